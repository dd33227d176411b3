import { IntentMatcher } from './matcher';

/**
 * Signs that someone may be at risk of harm now. Checked before anything else, on the whole
 * message, so a risk buried in a long SEND question is still found. Recall matters more than
 * precision here: a false alarm costs an apology, a miss could cost a life.
 */
/** Everyday idioms that use the words of violence: "hit a brick wall", "threatened to exclude". */
const FIGURATIVE = 'hit a brick wall | hit a wall | brick wall | hit the roof | hit and miss | hit rock bottom | hit the ceiling';

const RISK_PATTERNS: Array<string | { match: string; unless: string }> = [
  // suicide and wanting to die
  'suicid*',
  'kill (myself | himself | herself | themselves | themself | ourselves)',
  'end (my | his | her | their) (life | own life)',
  'take (my | his | her | their) own life',
  'end it all | ending it all | end it | not be here anymore | not be around anymore',
  '(want* | wish* | wishes | talk* | talking | said | says | keeps saying) & (to die | he was dead | she was dead | i was dead | they were dead | be dead | not alive | not be alive | not to be alive | not wake up | disappear forever)',
  'better off (dead | without me | without him | without her | without them)',
  '(no | not any) (point | reason) (living | in living | to live | going on)',
  '(cannot | can not) go on',
  'overdos*',
  '(took | taken | taking | swallowed | swallow) & (pills | tablets | paracetamol | painkillers | load of | bottle of)',
  'hang (himself | herself | myself | themselves) | noose',
  // self-harm
  'self harm* | selfharm* | self injur* | harming (himself | herself | myself | themselves | themself)',
  '(cut* | burn* | hurt* | hurting | harm* | scratch*) & (himself | herself | myself | themselves | themself)',
  // abuse and violence at home or by adults
  'abus* | molest* | groom* | sexual* | rape* | raped | inappropriate* touch* | touched (him | her | me) inappropriate*',
  '(hit* | hits | hitting | beat* | punch* | kick* | slap* | strangl* | chok* | throttl*) & (me | us | my child | the child | him | her) & (parent | partner | husband | wife | boyfriend | girlfriend | stepdad | stepfather | stepmum | uncle | brother | sister | at home | ex)',
  // physical harm to a child by anyone, including staff
  {
    match: '(drag* | shov* | push* | grab* | threw | thrown | throw* | slapp* | punch* | kick* | hit | hitting | hurt* | restrain* | pinned | squeez*) & (him | her | them | my child | the child | me) & (floor | head | wall | bruis* | injur* | bleed* | crying | scared | terrified | frightened | pain | marks)',
    unless: FIGURATIVE,
  },
  'bruis* | black eye | bleeding | split lip | cut lip | fractur* | broken (arm | wrist | bone | nose | finger | rib | ribs) | banged (his | her | their | my) head | bite marks | burn marks',
  '(could not | can not | couldnt) breathe | face down | prone restraint',
  // a medical emergency: 999 at once
  { match: 'not breathing | stopped breathing | unconscious', unless: 'unconscious bias' },
  // self-harm described without the words
  '(cutting | cut | cuts | burning | burnt | scratching | scratched) & (her | his | their | my) (arms | arm | legs | leg | thighs | thigh | wrists | wrist | skin | body | stomach)',
  // suicidal talk without the words
  '(saving | stockpiling | hoarding | collecting | saved) (up)? (my | his | her | their)? (tablets | pills | meds | medication | painkillers)',
  '(do not | dont | can not | cant) see (the | any) point & (anything | anymore | any more | life | living | going on | me being here)',
  'this is goodbye | suicide note | goodbye (letter | letters | note | notes) | (written | wrote | left | writing) (a | some)? (letter | letters | note | notes) (for | to) (everyone | everybody | all of you | the family | his family | her family | my family)',
  // online grooming
  '(send | sending | sent | asking for | asked for | share | sharing) (him | her | them | a man | someone)? (photos | pictures | pics | images | nudes | videos) & (man | stranger | older | online | game | app | someone she met | someone he met | not to tell)',
  '(told | telling | tells | asked | asking) (her | him | them | my child) not to tell',
  '(meet | meeting | met) & (man | stranger | older | adult) & (online | game | gaming | app | internet | snapchat | instagram | tiktok | discord)',
  // domestic abuse and threats
  {
    match: '(threatened | threatening | threatens | threaten) (me | us | my child | the kids | the children | her | him | them | to hurt | to kill)',
    unless: 'threatened (to exclude | exclusion | to take | with exclusion | legal action | tribunal | court)',
  },
  'broke in | broke into | not allowed near | restraining order | non molestation | injunction against',
  // exploitation
  'county lines | exploit* | trafficked | trafficking | two phones | second phone | extra phone | burner phone',
  '(getting into | get into | gets into | picked up in) & (cars | car | another county | another town | another city) & (older | men | males | strangers | police | picked up)',
  'older (males | men | boys | lads | man | male) & (cars | car | money | cash | gifts | trainers | phones | hanging around | hanging out)',
  '(making | make | made | force* | forcing | pressur*) & (him | her | them | me) & (hand over | give them | carry | hold | sell | deliver | packages | drugs | steal)',
  '(terrified | petrified | scared | frightened) & (lads | gang | older | men | man | boys | threat* | beat*)',
  'domestic (violence | abuse)',
  '(scared | afraid | frightened | terrified) & (go home | going home | of (his | her | my | their) (dad | mum | parent | partner | stepdad) | of (him | her) at home | for (my | our) (life | lives | safety))',
  '(threat* | threaten*) & (kill | stab | hurt (me | us | him | her | the child))',
  '(bruis* | marks | injur*) & (from | by | at home | someone | adult | teacher | staff | parent)',
  'not safe at home | unsafe at home | not safe (with | around) | in danger | at risk of harm | immediate danger',
  '(knife | knives | weapon | gun) & (threat* | has | holding | brought | carrying | pulled)',
  'neglect*',
  'locked (in | him in | her in | up) & (room | cupboard | house)',
  'no food & (home | days | house)',
  // missing children
  ...['(is | has gone | gone | went | been | reported | go) missing | missing (child | person | teen* | since | overnight | for hours)',
    'missing & (police | last night | all night)'].map((match) => ({
    match,
    unless: 'missing (school | lessons | class | classes | sessions | session | therapy | education | out | days | weeks | support | provision | appointments | from the plan | from his plan | from her plan)',
  })),
  '(ran | run | running) away & (home | from home | again | last night | hours | since)',
  '(has not | hasnt | have not) (come | came | been) (home | back)',
  '(cannot | can not) find (him | her | them | my child)',
];

/** Words that show a message is about safeguarding as a subject, not a risk now. */
const NOT_A_RISK_NOW = 'safeguarding policy | safeguarding procedure | safeguarding training';

let detector: IntentMatcher | undefined;

/** True when the normalised words suggest that someone may be at risk of harm now. */
export function suggestsRisk(words: readonly string[]): boolean {
  detector ??= new IntentMatcher([
    {
      id: 'safeguarding',
      patterns: RISK_PATTERNS.map((spec) =>
        typeof spec === 'string'
          ? { match: spec, unless: NOT_A_RISK_NOW }
          : { match: spec.match, unless: `${spec.unless} | ${NOT_A_RISK_NOW}` }),
      examples: [],
    },
  ]);
  return detector.matchRules(words).length > 0;
}

// ---------------------------------------------------------------------------------------------
// After a disclosure

/**
 * How long after the last disclosure (or the last distressed message that followed one) the
 * conversation is still treated as a crisis: a message the assistant cannot place as a SEND
 * question gets the urgent line and a person, never a menu. A day covers "tonight" and the morning
 * after; an SMS conversation is the same phone number for months, so "the rest of the conversation"
 * would be too long there, and a fresh disclosure starts a new day at once.
 */
export const AFTER_DISCLOSURE_HOURS = 24;

/** Whether `now` is within {@link AFTER_DISCLOSURE_HOURS} of the disclosure at `since` (an ISO time). */
export function withinAfterDisclosure(since: string | undefined, now: Date): boolean {
  if (!since) return false;
  const at = Date.parse(since);
  if (Number.isNaN(at)) return false;
  // A clock that runs backwards (a channel's odd timestamp) keeps the conversation safe, not silent.
  return now.getTime() - at < AFTER_DISCLOSURE_HOURS * 60 * 60 * 1000;
}

/** Only a short message is read as distress on its own; a long one is read for what it asks. */
export const DISTRESS_MAX_WORDS = 12;

/**
 * Short, frightened messages that follow a disclosure ("im scared", "please help", "she won't come
 * out", "what do I do"). Not risks in themselves (most would be false alarms on a first message), so
 * they are only read this way after a disclosure.
 */
const DISTRESS_PATTERNS: Array<{ match: string; alone?: boolean }> = [
  { match: 'scared | afraid | frightened | terrified | petrified | panic* | desperate | hysterical | freaking out' },
  { match: 'help | help me | help us | help her | help him | please help | i need help | need help | someone help | help now | help quick', alone: true },
  { match: 'hurry | quick | quickly | urgent | urgently | emergency | right now | asap' },
  { match: 'what (do | should | can | shall | will) (i | we) do' },
  { match: 'what now | now what | (do not | dont) know what to do | (can not | cannot) cope | not coping | (can not | cannot) (take | handle) (it | this | any more | anymore)' },
  { match: 'crying | screaming | sobbing | shaking | shouting | banging' },
  { match: '(will not | wont | would not | refuses to | refusing to | not) (come out | open | answer* | respond* | reply* | talk* | wake | waking | breath* | moving | move)' },
  { match: 'locked (herself | himself | themselves | themself | myself | in | the door)' },
  { match: 'are you there | anyone there | anybody there | someone there | still there | is anyone | please answer | answer me' },
  { match: 'worried sick | so worried | really worried | very worried | beside myself' },
];

let distress: IntentMatcher | undefined;

/** True when a short message sounds frightened or urgent (read only after a disclosure). */
export function soundsDistressed(words: readonly string[]): boolean {
  if (words.length === 0 || words.length > DISTRESS_MAX_WORDS) return false;
  distress ??= new IntentMatcher([{ id: 'distress', patterns: DISTRESS_PATTERNS, examples: [] }]);
  return distress.matchRules(words).length > 0;
}
