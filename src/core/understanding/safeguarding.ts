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
