import { normaliseWords } from './normalise';

/**
 * The councils in England that look after children's SEND (county, unitary, metropolitan and London
 * borough councils), by the names people call them, and a few county names people still use. Only
 * used to notice that a message is about another council's area than the one this assistant
 * serves: the assistant never says which council is responsible for a child.
 */
const ENGLISH_COUNCIL_AREAS = [
  // county councils
  'cambridgeshire', 'derbyshire', 'devon', 'east sussex', 'essex', 'gloucestershire', 'hampshire', 'hertfordshire', 'kent',
  'lancashire', 'leicestershire', 'lincolnshire', 'norfolk', 'nottinghamshire', 'oxfordshire', 'staffordshire', 'suffolk',
  'surrey', 'warwickshire', 'west sussex', 'worcestershire',
  // unitary councils
  'bath and north east somerset', 'banes', 'bedford', 'blackburn', 'blackburn with darwen', 'blackpool', 'bournemouth', 'bcp', 'poole',
  'bracknell', 'bracknell forest', 'brighton', 'brighton and hove', 'bristol', 'buckinghamshire', 'central bedfordshire',
  'cheshire', 'cheshire east', 'cheshire west', 'cheshire west and chester', 'cornwall', 'durham', 'county durham', 'cumberland',
  'darlington', 'derby', 'dorset', 'east riding', 'east riding of yorkshire', 'halton', 'hartlepool', 'herefordshire',
  'isle of wight', 'isles of scilly', 'hull', 'kingston upon hull', 'leicester', 'luton', 'medway', 'middlesbrough',
  'milton keynes', 'mk', 'north east lincolnshire', 'north lincolnshire', 'north northamptonshire', 'north somerset',
  'north yorkshire', 'northumberland', 'nottingham', 'peterborough', 'plymouth', 'portsmouth', 'reading',
  'redcar', 'redcar and cleveland', 'rutland', 'shropshire', 'slough', 'somerset', 'south gloucestershire', 'southampton',
  'southend', 'southend on sea', 'stockton', 'stockton on tees', 'stoke', 'stoke on trent', 'swindon', 'telford',
  'telford and wrekin', 'thurrock', 'torbay', 'warrington', 'west berkshire', 'west northamptonshire', 'westmorland',
  'westmorland and furness', 'wiltshire', 'windsor and maidenhead', 'wokingham', 'york',
  // metropolitan borough councils
  'barnsley', 'birmingham', 'bolton', 'bradford', 'bury', 'calderdale', 'coventry', 'doncaster', 'dudley', 'gateshead',
  'kirklees', 'knowsley', 'leeds', 'liverpool', 'manchester', 'newcastle', 'newcastle upon tyne', 'north tyneside', 'oldham',
  'rochdale', 'rotherham', 'st helens', 'salford', 'sandwell', 'sefton', 'sheffield', 'solihull', 'south tyneside',
  'stockport', 'sunderland', 'tameside', 'trafford', 'wakefield', 'walsall', 'wigan', 'wirral', 'wolverhampton',
  // London borough councils
  'barking', 'barking and dagenham', 'barnet', 'bexley', 'brent', 'bromley', 'camden', 'city of london', 'croydon', 'ealing',
  'enfield', 'greenwich', 'hackney', 'hammersmith', 'hammersmith and fulham', 'haringey', 'harrow', 'havering',
  'hillingdon', 'hounslow', 'islington', 'kensington', 'kensington and chelsea', 'kingston', 'kingston upon thames',
  'lambeth', 'lewisham', 'merton', 'newham', 'redbridge', 'richmond', 'richmond upon thames', 'southwark', 'sutton',
  'tower hamlets', 'waltham forest', 'wandsworth', 'westminster',
  // county names still in everyday use
  'bedfordshire', 'berkshire', 'cumbria', 'northamptonshire', 'yorkshire', 'teesside', 'merseyside', 'tyneside',
];

/** Names that are everyday words or names of other things too: only counted next to "council", "SENDIASS" and the like. */
const AMBIGUOUS = new Set(['reading', 'bury', 'harrow', 'slough', 'poole', 'york', 'stoke', 'richmond', 'kingston', 'sutton', 'hull', 'bcp', 'banes', 'brent', 'mk']);

/** Words after an area's name that make it a council or its service ("Leicestershire SENDIASS"). */
const SERVICE_AFTER = [
  'council', 'county council', 'city council', 'borough council', 'county', 'borough', 'sendiass', 'sen team', 'send team',
  'send services', 'send service', 'localoffer', 'ehcp team', 'ehcp assessment team', 'sen department', 'send department',
  'area', 'side',
];

/** Words before an area's name that say someone lives there ("we live in Leicestershire"). */
const LIVING_BEFORE = [
  'live in', 'living in', 'lives in', 'live near', 'based in', 'moved to', 'moving to', 'move to', 'moved into', 'we are in',
  'i am in', 'reside in', 'resident in', 'residents in', 'we are from', 'i am from', 'we are under', 'come under', 'comes under',
  'fall under', 'falls under', 'covered by', 'under',
];

const split = (phrases: readonly string[]) => phrases.map((p) => normaliseWords(p)).filter((w) => w.length > 0);

const AREAS = split(ENGLISH_COUNCIL_AREAS).sort((a, b) => b.length - a.length);
const AFTER = split(SERVICE_AFTER);
const BEFORE = split(LIVING_BEFORE);

function startsAt(words: readonly string[], at: number, phrase: readonly string[]): boolean {
  return at >= 0 && at + phrase.length <= words.length && phrase.every((w, j) => words[at + j] === w);
}

/** The areas a text names, longest name first at each place ("cheshire east", not "cheshire"). */
export function areasNamed(words: readonly string[], { cueNeeded = true } = {}): string[] {
  const found: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const area = AREAS.find((a) => startsAt(words, i, a));
    if (!area) continue;
    const name = area.join(' ');
    const end = i + area.length;
    const serviceAfter = AFTER.some((a) => startsAt(words, end, a));
    const livingBefore = !AMBIGUOUS.has(name) && BEFORE.some((b) => startsAt(words, i - b.length, b));
    if (!cueNeeded || serviceAfter || livingBefore) found.push(name);
    i = end - 1;
  }
  return found;
}

/**
 * The areas a council's own names cover ("Herefordshire and Worcestershire SENDIASS" covers both),
 * from the texts of its knowledge file.
 */
export function ownAreas(names: readonly string[]): Set<string> {
  const own = new Set<string>();
  for (const name of names) for (const area of areasNamed(normaliseWords(name), { cueNeeded: false })) own.add(area);
  // "Derby" and "Derby City" are one area; "Leicester" is not "Leicestershire" (whole names only).
  return own;
}

/** Whether a message is about a council area other than these (named as a council, a service, or where someone lives). */
export function namesAnotherArea(words: readonly string[], own: ReadonlySet<string>): boolean {
  if (own.size === 0) return false;
  return areasNamed(words).some((area) => !own.has(area) && ![...own].some((o) => sameArea(o, area)));
}

/** "Cheshire West" and "Cheshire West and Chester", "Hull" and "Kingston upon Hull" are one area. */
function sameArea(a: string, b: string): boolean {
  return a.startsWith(`${b} `) || b.startsWith(`${a} `) || a.endsWith(` ${b}`) || b.endsWith(` ${a}`);
}
