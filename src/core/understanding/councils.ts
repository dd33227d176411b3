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
  // "we're in Bedford" reads "were in bedford" once normalised; "we were in" is the past (see below)
  'were in', 'we are with', 'i am with', 'were with', 'we are in the', 'live in the', 'were in the',
  // "our council is Birmingham", "the LA is Bedford"
  'council is', 'our council is', 'my council is', 'la is', 'our la is', 'local authority is', 'our local authority is',
  'council is in', 'county is', 'our county is', 'area is', 'our area is', 'borough is', 'our borough is',
];

/** "we were in Bedford" (before) is not where a family is; "we're in Bedford" is ("were in" once normalised). */
const PAST_BEFORE = new Set(['we', 'they', 'i', 'you', 'he', 'she', 'used', 'previously', 'once']);

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
    const livingBefore = !AMBIGUOUS.has(name) && BEFORE.some((b) => startsAt(words, i - b.length, b) && !pastTense(words, i - b.length, b));
    if (!cueNeeded || serviceAfter || livingBefore) found.push(name);
    i = end - 1;
  }
  return found;
}

/** "we were in Bedford" / "we used to live in Bedford": where a family was, not where it is. */
function pastTense(words: readonly string[], at: number, before: readonly string[]): boolean {
  if (before[0] === 'were' && PAST_BEFORE.has(words[at - 1] ?? '')) return true;
  return words.slice(Math.max(0, at - 3), at).some((w) => w === 'used' || w === 'previously');
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

/**
 * Places in Wales, Scotland and Northern Ireland, whose SEND rules, plans, time limits and
 * tribunals are not England's. Ordinary words ("wales" is a surname, "newport" and "bangor" are in
 * England too) are only counted where a family lives, goes to school, or whose council it is.
 */
const OTHER_NATIONS = [
  'wales', 'cymru', 'scotland', 'northern ireland', 'ni', 'cardiff', 'swansea', 'wrexham', 'newport wales', 'conwy', 'gwynedd',
  'powys', 'ceredigion', 'carmarthenshire', 'pembrokeshire', 'flintshire', 'denbighshire', 'anglesey', 'caerphilly',
  'rhondda', 'merthyr', 'merthyr tydfil', 'bridgend', 'neath', 'port talbot', 'torfaen', 'blaenau gwent', 'monmouthshire',
  'vale of glamorgan', 'glasgow', 'edinburgh', 'aberdeen', 'aberdeenshire', 'dundee', 'inverness', 'stirling', 'fife',
  'lanarkshire', 'north lanarkshire', 'south lanarkshire', 'ayrshire', 'renfrewshire', 'lothian', 'west lothian',
  'east lothian', 'midlothian', 'highland', 'highlands', 'perth and kinross', 'falkirk', 'dumfries', 'dumfries and galloway',
  'scottish borders', 'moray', 'angus', 'orkney', 'shetland', 'belfast', 'derry', 'londonderry', 'antrim', 'armagh',
  'tyrone', 'fermanagh', 'lisburn', 'newry',
];
/** Names that are everyday words or English places too: only counted right after a cue, never after "in" alone. */
const NATION_AMBIGUOUS = new Set(['ni', 'highland', 'highlands', 'angus', 'moray', 'newry', 'derry', 'rhondda', 'neath', 'fife']);
/** "Welsh council", "Scottish tribunal", "Cardiff Council": a name with what makes it the family's system. */
const NATION_ADJECTIVES = ['welsh', 'scottish', 'northern irish', 'ni'];
const SYSTEM_AFTER = [
  // not "school", "plan" or "education": a Welsh-medium school, or learning Welsh, is in England too
  'council', 'councils', 'county council', 'city council', 'borough council', 'local authority', 'local authorities', 'la',
  'authority', 'education authority', 'tribunal', 'government', 'law', 'laws', 'rules', 'system', 'legislation', 'code',
  'code of practice', 'assembly', 'parliament', 'health board', 'time limit', 'time limits', 'deadline', 'deadlines',
];
/** Words just before a place that say the family is there ("we live in", "moved to", "the council in"). */
const NATION_BEFORE = [
  'live in', 'living in', 'lives in', 'live near', 'based in', 'moved to', 'moving to', 'move to', 'moved back to',
  'moving back to', 'relocated to', 'relocating to', 'we are in', 'i am in', 'were in', 'reside in', 'resident in',
  'here in', 'over here in', 'up here in', 'out here in', 'school in', 'college in', 'council in',
  'authority in', 'la in', 'nursery in', 'we are in north', 'we are in south',
];
/** Someone else than the family: "his dad lives in Scotland". */
const OTHER_PEOPLE = new Set([
  'parent', 'ex', 'partner', 'husband', 'wife', 'nan', 'nana', 'nanny', 'grandma', 'grandad', 'granddad', 'grandpa', 'grandparents',
  'aunt', 'aunty', 'auntie', 'uncle', 'cousin', 'cousins', 'brother', 'sister', 'friend', 'friends', 'relatives',
  'inlaws', 'boyfriend', 'girlfriend', 'stepparent', 'someone', 'relative',
]);
/** "we have family in Wales": relatives, not the family's home. */
const RELATIVES = new Set(['family', 'relatives', 'relative', 'friends', 'friend']);
/** A visit, not where the family lives: "going on holiday to Wales". */
const VISITING = new Set(['holiday', 'holidays', 'trip', 'visit', 'visiting', 'visited', 'weekend', 'break', 'camping', 'travelling', 'traveling', 'staying', 'honeymoon', 'holidaying']);
/** The family is in England now: "we moved from Wales", "we used to live in Scotland". */
const NOW_IN_ENGLAND = split([
  'moved to england', 'moving to england', 'moved from', 'moved here from', 'moving from', 'now live in england',
  'now in england', 'live in england', 'living in england', 'used to live', 'used to be in', 'previously lived',
  'we lived in', 'i lived in', 'lived in', 'came from', 'moved down from', 'moved over from',
]);

const NATIONS = split(OTHER_NATIONS).sort((a, b) => b.length - a.length);
const ADJECTIVES = split(NATION_ADJECTIVES);
const SYSTEMS = split(SYSTEM_AFTER);
const NATION_CUES = split(NATION_BEFORE);
const IN = split(['in', 'in the']);

/**
 * Whether a message says the family, the child's school, or the council or tribunal is in Wales,
 * Scotland or Northern Ireland: "we live in Cardiff", "scottish council refused", "in Scotland how
 * long do I have to appeal". Not "going on holiday to Wales", "his dad lives in Scotland" or "my
 * surname is Wales", nor a family that has since moved to England.
 */
export function namesAnotherNation(words: readonly string[]): boolean {
  const has = (phrase: readonly string[]) => words.some((_, i) => startsAt(words, i, phrase));
  if (NOW_IN_ENGLAND.some(has)) return false;
  for (let i = 0; i < words.length; i++) {
    const adjective = ADJECTIVES.find((a) => startsAt(words, i, a));
    if (adjective && SYSTEMS.some((s) => startsAt(words, i + adjective.length, s))) {
      return true;
    }
    const place = NATIONS.find((p) => startsAt(words, i, p));
    if (!place) continue;
    const name = place.join(' ');
    // "Prince of Wales", "New South Wales"
    if (name === 'wales' && ['of', 'south', 'new'].includes(words[i - 1] ?? '')) continue;
    const cue = NATION_CUES.find((c) => startsAt(words, i - c.length, c));
    const inOnly = !cue && IN.some((c) => startsAt(words, i - c.length, c));
    if (!cue && !(inOnly && !NATION_AMBIGUOUS.has(name))) {
      // "Cardiff council", "Glasgow City Council"
      if (!NATION_AMBIGUOUS.has(name) && SYSTEMS.some((s) => startsAt(words, i + place.length, s))) return true;
      continue;
    }
    const at = i - (cue ?? IN.find((c) => startsAt(words, i - c.length, c))!).length;
    const around = [...words.slice(Math.max(0, at - 5), at), ...words.slice(i + place.length, i + place.length + 4)];
    if (around.some((w) => VISITING.has(w))) continue;
    if (cue?.[0] === 'were' && PAST_BEFORE.has(words[at - 1] ?? '')) continue;
    // "his dad lives in Scotland", "my mum is in Wales": someone else's home; not "he lives with his dad in Wales"
    const livesWith = words.slice(Math.max(0, at - 3), at).includes('with');
    const subject = ['is', 'are', 'now', 'still', 'also'].includes(words[at - 1] ?? '') ? words[at - 2] : words[at - 1];
    if (!livesWith && OTHER_PEOPLE.has(subject ?? '')) continue;
    if (RELATIVES.has(words[at - 1] ?? '') && ['have', 'has', 'got'].includes(words[at - 2] ?? '')) continue;
    return true;
  }
  return false;
}
