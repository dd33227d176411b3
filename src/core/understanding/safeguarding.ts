import { IntentMatcher } from './matcher';
import { compilePattern, type CompiledPattern } from './patterns';
import { normaliseWords, vocabularyOf, type SpellingCorrector } from './normalise';

/**
 * Signs that someone may be at risk of harm now. Checked before anything else, on the whole
 * message, so a risk buried in a long SEND question is still found. Recall matters more than
 * precision here: a false alarm costs an apology, a miss could cost a life.
 */
/** Everyday idioms that use the words of violence: "hit a brick wall", "threatened to exclude". */
const FIGURATIVE = 'hit a brick wall | hit a wall | brick wall | hit the roof | hit and miss | hit rock bottom | hit the ceiling';

/** A child, as a message names one after normalisation ("my son" is "my child"). */
const CHILD = 'he | she | they | my child | our child | child | the child';

/** "Nobody knows", "we don't know", "no idea": not knowing now. */
const NOT_KNOWN = '(nobody knows | no one knows | noone knows | i do not know | we do not know | they do not know | school do not know | school does not know | police do not know | still do not know | do not know | does not know | dunno | idk | no idea | not sure | no clue | have not got a clue)';

/** Signs that someone who ran off is still not back: not known where, not home, getting late. */
const NOT_BACK_NOW = 'nobody knows | no one knows | noone knows | not come back | not came back | has not come back | not been seen | not back | still out | still not | can not find | getting dark | it is dark | dark now | all night | overnight | police | searching | looking for (him | her | them) | no idea where | do not know where';

/** What goes missing that is not a child: lessons, support, papers. */
const MISSING_SOMETHING_ELSE =
  'missing (school | lessons | class | classes | sessions | session | therapy | education | out | days | weeks | support | provision | appointments | from the plan | from his plan | from her plan | from the ehcp | from lessons | from class | from the classroom | from the report | pages | information | evidence | sections | parts) | ' +
  // "missing" with an object is missing someone or something, not being missing: "he is missing his
  // friends", "she's been missing her dad", "missing so much school". A child who is missing is missing
  // with no object ("she's been missing since 4", "missing for hours", "missing from home").
  'missing (his | her | their | my | your | our | him | them | you | me | us | everyone | everybody | someone | somebody | people | friends | mates | family | home | old | being | having | going | seeing) | ' +
  'missing (a lot | lots | loads | so much | too much | much | most | half | bits | a bit | some | more | the odd) | ' +
  'missing (speech | language | ot | occupational | physio* | salt | counselling | cahms | camhs | meals | lunch | breakfast | meds | medication | homework | work | deadlines) | ' +
  'missing the (deadline | date | bus | taxi | trip | trips | start | beginning | end | first | chance | opportunity | point | fun | lessons | lesson | school | class | appointment | meeting | review | annualreview | support | sessions | session) | ' +
  'missing from (section* | the (letter | draft | form | list | minutes | paperwork | document | decision | email | file | report) | (his | her | their | the) (ehcp | plan | report | file | paperwork | timetable))';
/** Things that go missing: papers, parts of a plan, belongings. */
const THINGS = [
  'paperwork | papers | forms | form | file | files | draft | drafts | referral | request | minutes | notes | folder | results | copy | report | reports | letter | letters | evidence | documents | document | records | application | email | emails | pages | page | homework | book | books | equipment | coat | bag | uniform | ehcp | plan | appendix | appendices',
  'date | dates | signature | signatures | section | sections | (section | part) (a | b | c | d | e | f | g | h | i | j | k) | funding | money | information | details | detail | advice | provision | support | therapy | hours | outcomes | diagnosis | name | names | address | wording | paragraph | attachment | attachments | deadline',
  'phone | ipad | laptop | chromebook | keys | key | wallet | purse | shoes | shoe | trainers | jumper | blazer | lunchbox | lunch box | bottle | glasses | hearing aid | hearing aids | pe kit | kit | toy | teddy',
];
const THINGS_GONE_MISSING = THINGS.map((things) => `(${things}) (is | are | was | were | went | gone | goes | go | going | got | has gone | have gone | had gone | has been | have been | had been | keeps going | keep going | is still | are still | still) missing`).join(' | ');

/**
 * Adults who could be contacting a child: staff in every role, drivers, tutors, coaches, strangers.
 * Ordinary contact with a parent ("the TA messages me about his day") has none of the signs below.
 */
const ADULT =
  'teacher | teachers | teachingassistant | ta | tas | tutor | form tutor | coach | staff | member of staff | driver | taxi driver | bus driver | escort | ' +
  'instructor | mentor | youth worker | support worker | keyworker | key worker | careworker | care worker | volunteer | scout leader | leader | ' +
  'caretaker | counsellor | therapist | senco | headteacher | deputy head | supervisor | dinner lady | assistant | cleaner | receptionist | ' +
  'chaplain | priest | vicar | pastor | imam | neighbour | uncle | lodger | family friend | ' +
  'man | men | woman | adult | adults | grown up | older (boy | boys | lad | lads | girl | girls | guy | man | men | person | people | friend) | ' +
  'guy | bloke | stranger | strangers | someone online | person online | people online | someone (she | he | they) met | someone (she | he | they) (does not | do not) know';

/** Grown-ups a child may live with or see at home (after normalisation: mum and dad are "parent"). */
const GROWN_UPS_AT_HOME =
  'parent | stepdad | stepfather | stepmum | stepmother | step parent | step dad | step mum | foster parent | nan | grandad | uncle | aunt | auntie | ' +
  'brother | sister | stepbrother | stepsister | parent boyfriend | parent girlfriend | parent partner | parents boyfriend | parents girlfriend | ' +
  '(mums | moms | mams | dads) (boyfriend | girlfriend | partner | husband | wife)';

/** Who, named just before "hit him" or "touches her", makes it a risk: family and grown-ups at home, or staff and other adults. */
const ADULTS_WHO_HARM_AT_HOME = 'stepdad | stepfather | stepmum | stepmother | step dad | step mum | step parent | uncle | aunt | auntie | grandad | nan | lodger | neighbour | family friend | (parent | parents | mums | dads) (boyfriend | girlfriend | partner)';
const ADULTS_WHO_HARM_ELSEWHERE = 'teacher | a teacher | the teacher | his teacher | her teacher | ta | the ta | staff | a member of staff | member of staff | tutor | coach | driver | taxi driver | bus driver | escort | carer | care worker | support worker | youth worker | man | a man | woman | a woman | adult | an adult';

/** Strangers and people met online: contacting a child at all is a sign. */
const STRANGER =
  'stranger | strangers | an older man | older men | a grown man | grown men | adults online | a man online | men online | someone online | ' +
  'someone (she | he | they) met (online | on an app | on a game | gaming) | a (man | guy | woman) (she | he | they) met | ' +
  'someone (she | he | they) (does not | do not) know | older (boy | boys | lad | lads | guy | guys)';

/** Reaching a child privately. */
const CONTACT =
  'messag* | text | texts | texted | texting | dm | dms | dmd | dming | dmed | snapchat* | snapping | snaps | snapped | chat | chats | chatting | chatted | ' +
  'whatsapp* | email | emails | emailed | emailing | call | calls | called | calling | ring | rings | ringing | rang | phone | phones | phoned | phoning | facetim* | video call* | ' +
  'contact | contacted | contacting | contacts | added | adding | adds | follow | follows | followed | following | friend request* | send | sends | sent | sending | ' +
  'talk* to | speak* to | meet | meets | meeting | met';

/** Secrecy around contact with a child. */
const SECRECY =
  'secret | secrets | secretly | in secret | not to tell | do not tell | never tell | not tell anyone | not tell anybody | ' +
  'between you and me | between the two of (us | them) | our little';
/** Asking a child to keep something from their family: "told her to keep it quiet", "asked him to delete the chats". */
const ASKED_TO_HIDE = '(told | tells | telling | asked | asks | asking | made | makes | making | wants | wanted | begged | begs) (him | her | them | my child | child) (to keep | keep | not to tell | not tell | never to tell | never tell | to delete | delete)';
const HIDDEN = 'secret* | quiet | private | hidden | to (himself | herself | themselves) | not (to)? tell | never (to)? tell | delete*';
/** The same, said by a young person: "he told me not to tell my mum". */
const ASKED_ME_TO_HIDE = '(told | tells | telling | asked | asks | asking | made | makes | wants | wanted | begged | begs) me (to keep | keep | not to tell | not tell | never to tell | never tell)';
const HIDDEN_FROM_MY_FAMILY = 'secret* | not (to)? tell (anyone | anybody | my parent | my family | my teacher | my friends) | never (to)? tell (anyone | anybody | my parent | my family)';
/** Secrets that are no risk: a surprise, or not telling the child about a change yet. */
const ORDINARY_SECRETS = 'secret santa | not (to)? tell (him | her | them | my child | child) (about | that | yet | until | what | where | when)';

/** Pictures of a child, asked for or sent. */
const CHILD_PICTURES =
  'nudes | (nude | naked) (photo* | picture* | pic | pics | image* | video* | selfie*) | sexy | in (his | her | their | my | your) underwear | selfie | selfies | ' +
  '(photo | photos | picture | pictures | pic | pics | image | images | video | videos) of (himself | herself | themselves | themself | myself | yourself | her | him | me | them) | ' +
  '(asks | asked | asking | ask | wants | wanted | keeps asking) (him | her | them | me | my child)? for (photo* | picture* | pic | pics | image* | video* | selfie*)';
const ORDINARY_PICTURES =
  'sports day | school trip | trip | outing | forest school | swimming | class photo | school photo | assembly | nativity | concert | his work | her work | their work | homework | ' +
  'activity | activities | progress | lesson | lessons | sensory | playground | playing | reward | learning journal | tapestry | seesaw | class dojo | dojo | ' +
  'ehcp | for the (plan | report | assessment | council | tribunal | form | application) | passport | id badge | bus pass';

/** A child as the one being contacted: "messaging her", "my 12 year old". */
const CHILD_OBJECT = 'him | her | them | child | my child | year old | years old | teen | teenager';

/** Gifts and money from an adult to a child. */
const GIFTS =
  '(bought | buys | buying | buy | gave | gives | giving | given | sent | sends | sending) (him | her | them | my child | child) (gifts | gift | presents | a present | money | cash | vapes | a vape | alcohol | cigarettes | a phone | a new phone | phone credit | jewellery | make up)';

/** The online places where private contact with a child happens. */
const PRIVATE_CHANNEL = 'snapchat | snap | instagram | insta | discord | kik | telegram | wickr | dm | dms | private message*';

/**
 * A pattern, or a pattern with words that cancel it. `clause: true` marks an exception that reads on
 * from the words matched ("missing school", "threatened to exclude", "not been back to school"): a
 * comma or full stop ends that reading, so each clause of the typed message is also tried on its own
 * ("he's missing, school rang me" is a missing child; "he's missing school" is not).
 */
type RiskPattern = string | { match: string; unless: string; clause?: true };

/** Harm to oneself: suicide, self-harm, wanting to die, and a writer's own crisis (see CRISIS_PATTERNS). */
const HARM_TO_SELF: RiskPattern[] = [
  // suicide and wanting to die
  'suicid*',
  'kill (myself | himself | herself | themselves | themself | ourselves)',
  'end (my | his | her | their) (life | own life)',
  'take (my | his | her | their) own life',
  {
    match: 'end it all | ending it all | end it | not be here anymore | not be around anymore',
    // ending things with a school or a council is not ending a life
    unless: 'end it with (the | this | that | his | her | their | school | college | nursery | council | them | him | mediation | tribunal)',
  },
  {
    match: '(want* | wish* | keeps saying | said | says | talk* about) (to | he could | she could | i could | they could) disappear',
    unless: 'disappear (into | under | off | to (his | her | their | my) (room | bedroom) | to the (toilet | toilets) | behind | from (class | lessons | the classroom))',
  },
  '(want* | wish* | wishes | talk* | talking | said | says | keeps saying) & (to die | he was dead | she was dead | i was dead | they were dead | be dead | not alive | not be alive | not to be alive | not wake up | disappear forever)',
  'better off (dead | without me | without him | without her | without them)',
  '(no | not any) (point | reason) (living | in living | to live | going on)',
  // "I can't go on", not "he can't go on the trip"
  { match: '(cannot | can not) go on', unless: 'go on (the | a | an | his | her | their | this | that | school | trips | trip | holiday | holidays | residential | residentials | visits | visit | outings | outing | bus | coach | computer | ipad | tablet | phone | it | them | placement | work experience | courses | course)' },
  'overdos*',
  '(took | taken | taking | swallowed | swallow) & (pills | tablets | paracetamol | painkillers | load of | bottle of)',
  'hang (himself | herself | myself | themselves) | noose',
  // self-harm
  'self harm* | selfharm* | self injur* | harming (himself | herself | myself | themselves | themself)',
  '(cut* | burn* | hurt* | hurting | harm* | scratch*) & (himself | herself | myself | themselves | themself)',
  // self-harm described without the words
  '(cutting | cut | cuts | burning | burnt | scratching | scratched) & (her | his | their | my) (arms | arm | legs | leg | thighs | thigh | wrists | wrist | skin | body | stomach)',
  // suicidal talk without the words
  '(saving | stockpiling | hoarding | collecting | saved) (up)? (my | his | her | their)? (tablets | pills | meds | medication | painkillers)',
  '(do not | dont | can not | cant) see (the | any) point & (anything | anymore | any more | life | living | going on | me being here)',
  'this is goodbye | suicide note | goodbye (letter | letters | note | notes) | (written | wrote | left | writing) (a | some)? (letter | letters | note | notes) (for | to) (everyone | everybody | all of you | the family | his family | her family | my family)',
];

/** Every other risk: abuse, violence, exploitation, grooming, a missing child, a medical emergency. */
const OTHER_RISKS: RiskPattern[] = [
  // abuse and violence at home or by adults
  'abus* | molest* | groom* | sexual* | rape* | raped | inappropriate* touch* | touched (him | her | me) inappropriate*',
  // "her stepdad touches her", "his uncle touched him", "a teacher hurt him": an adult doing it, said
  // plainly, the adult named just before ("the teacher said another child hit him" is not this).
  ...[ADULTS_WHO_HARM_AT_HOME, ADULTS_WHO_HARM_ELSEWHERE].flatMap((who) => [
    {
      match: `(${who}) (touches | touched | touching | keeps touching | has touched | has been touching | been touching) (him | her | them | me | my child)`,
      unless: 'touch* (him | her | them | me | my child) (on the (arm | shoulder | hand | back | head) | to (calm | guide | help | move | stop | settle | get))',
    },
    { match: `(${who}) (hurt | hurts | hurting | has hurt | hit | hits | hitting | has hit) (him | her | them | me | my child)`, unless: 'hit (him | her | them | me | my child) with (a | an)? (detention | sanction | fine | letter | bill | exclusion | consequence)' },
    `(${who}) (beat | beats | beating | kicked | punched | slapped | smacked) (him | her | them | me | my child)`,
    `(${who}) (grabbed | shoved | strangled | choked | pinned) (him | her | them | me | my child)`,
  ]),

  '(hit* | hits | hitting | beat* | punch* | kick* | slap* | strangl* | chok* | throttl*) & (me | us | my child | the child | him | her) & (parent | partner | husband | wife | boyfriend | girlfriend | stepdad | stepfather | stepmum | uncle | brother | sister | at home | ex)',
  // violence going on now ("he's hitting her again", "dad is hurting mum"), whoever it is
  {
    match: '(is | are) (hitting | hurting | beating | attacking | strangling | choking | stabbing | kicking | punching | battering) (me | us | her | him | them | my child | the child | parent | my parent)',
    unless: 'feelings | chances | progress | education | learning | confidence | self esteem | his case | her case | the school is | the council is | the college is | by not | by refusing',
  },
  // physical harm to a child by anyone, including staff
  {
    match: '(drag* | shov* | push* | grab* | threw | thrown | throw* | slapp* | punch* | kick* | hit | hitting | hurt* | restrain* | pinned | squeez*) & (him | her | them | my child | the child | me) & (floor | head | wall | bruis* | injur* | bleed* | crying | scared | terrified | frightened | pain | marks)',
    unless: FIGURATIVE,
  },
  'bruis* | black eye | bleeding | split lip | cut lip | fractur* | broken (arm | wrist | bone | nose | finger | rib | ribs) | banged (his | her | their | my) head | bite marks | burn marks',
  '(could not | can not | couldnt) breathe | face down | prone restraint',
  // a medical emergency: 999 at once
  { match: 'not breathing | stopped breathing | unconscious', unless: 'unconscious bias' },
  // online grooming
  '(send | sending | sent | asking for | asked for | share | sharing) (him | her | them | a man | someone)? (photos | pictures | pics | images | nudes | videos) & (man | stranger | older | online | game | app | someone she met | someone he met | not to tell)',
  '(told | telling | tells | asked | asking) (her | him | them | my child) not to tell',
  '(meet | meeting | met) & (man | stranger | older | adult) & (online | game | gaming | app | internet | snapchat | instagram | tiktok | discord)',
  // grooming and inappropriate contact by an adult: privately, in secret, with pictures, gifts or meeting up
  { match: `(${ADULT}) & (${CONTACT}) & (${SECRECY})`, unless: ORDINARY_SECRETS },
  { match: `(${ADULT}) & (${ASKED_TO_HIDE}) & (${HIDDEN})`, unless: ORDINARY_SECRETS },
  { match: `(${ADULT}) & (${ASKED_ME_TO_HIDE}) & (${HIDDEN_FROM_MY_FAMILY})`, unless: ORDINARY_SECRETS },
  { match: `(${ADULT}) & (${CONTACT}) & (${CHILD_PICTURES})`, unless: ORDINARY_PICTURES },
  `(${ADULT}) & (${GIFTS})`,
  `(${ADULT}) & (gave | given | giving | gives) (him | her | them | my child | child) (his | her | their) (personal | own | private)? (number | phone number | mobile | mobile number | snapchat | instagram | insta)`,
  `(${ADULT}) & (${CONTACT}) & (${PRIVATE_CHANNEL}) & (${CHILD_OBJECT})`,
  `(${STRANGER}) & (${CONTACT}) & (${CHILD_OBJECT})`,
  {
    match: `(${ADULT}) & (asks | asked | asking | ask | wants | wanted | keeps asking | begging | begged | pressuring | pressured) (him | her | them | my child | me) for (selfie* | pics | pic | photo* | picture* | image* | video*)`,
    unless: ORDINARY_PICTURES,
  },
  `(${STRANGER}) & (${CONTACT}) & me & (${PRIVATE_CHANNEL} | online | game | gaming | app | internet | xbox | playstation | roblox | fortnite | minecraft)`,
  `(${ADULT} | ${STRANGER}) & (meet | meets | meeting | met) (up with | with)? (him | her | them | my child | child | me) (outside school | outside of school | at the weekend | in town | in the park | at (his | her | their) (house | home | flat | car) | secretly | in secret | alone | on (his | her | their | my) own | at night)`,
  '(ask* | want* | keeps asking | pressur* | made | make | making) & (him | her | them | me | child) & (nudes | nude (photo* | picture* | pic | pics | image* | video* | selfie*) | naked (photo* | picture* | pic | pics | image* | video* | selfie*) | pictures in (his | her | their | my) underwear)',
  'nudes | sexting | sexts | sexted | send nudes | explicit (photo* | picture* | pics | image* | video* | message* | text*) | inappropriate (message* | text* | photo* | picture* | pics | image* | video* | relationship* | contact | chat*)',
  // domestic abuse and threats
  {
    match: '(threatened | threatening | threatens | threaten) (me | us | my child | the kids | the children | her | him | them | to hurt | to kill)',
    unless: 'threatened (to exclude | exclusion | to take | with exclusion | legal action | tribunal | court)',
    clause: true,
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
  'not safe (with | around) | in danger | at risk of harm | immediate danger',
  '(knife | knives | weapon | gun) & (threat* | has | holding | brought | carrying | pulled)',
  'neglect*',
  'locked (in | him in | her in | up) & (room | cupboard | house)',
  'no food & (home | days | house)',
  // missing children: gone now, or not known where they are now
  ...['(is | been) missing | missing (child | person | teen* | since | overnight | for hours) | (my | our) child missing', 'missing & (police | last night | all night)'].map((match) => ({
    match,
    unless: `${MISSING_SOMETHING_ELSE} | ${THINGS_GONE_MISSING}`,
    clause: true as const,
  })),
  // "he's missing school rang me": the school ringing is news of a missing child, not of missed lessons
  '(is | been) missing (school | college | nursery) (rang | rung | called | phoned | (have | has) (rung | rang | called | phoned))',
  // "gone missing" is said of people; papers that go missing are named
  {
    match: '(has gone | have gone | gone | went | reported | go | going | goes | keeps going) missing',
    unless: `${THINGS_GONE_MISSING} | missing from (lessons | lesson | class | classes | the classroom | assembly)`,
    clause: true,
  },
  // "missing" with signs that a child is out there now outweighs a word that follows it
  {
    match: 'missing & (getting dark | dark now | all night | overnight | nobody knows | no one knows | can not find | last seen | ' +
      '(his | her | their) phone (is)? (off | dead | switched off | going to voicemail) | not answering (his | her | their)? phone)',
    unless: THINGS_GONE_MISSING,
    clause: true,
  },
  {
    match: `${NOT_KNOWN} where (${CHILD}) (is | are | has gone | have gone | has run | went | ran | could be | might be | has got to | is now | are now)`,
    unless: `where (${CHILD}) (is | are) (going | moving | starting | placed | up to | at with | academically | compared | with (his | her | their) | in (his | her | their) | on the (list | waiting list | pathway | register | spectrum) | in the (process | queue | system | assessment))`,
    clause: true,
  },
  `${NOT_KNOWN} (his | her | their | my child) whereabouts`,
  '(nobody | no one | noone) (has | have)? seen (him | her | them | my child | child) (today | tonight | all day | all afternoon | all evening | for hours | since (lunch | lunchtime | this morning | this afternoon | last night | yesterday | breakfast | then | he left | she left | they left))',
  '(can not | unable to | still can not) find (him | her | them | my child | child) | (no one | nobody) can find (him | her | them | my child | child)',
  'no sign of (him | her | them | my child | child) | nowhere to be (found | seen)',
  'lost (contact | touch) with (him | her | them | my child | child) & (tonight | hours | dark | police)',
  '(searching | looking) (everywhere | all over | round) for (him | her | them | my child | child) | out (looking | searching) for (him | her | them | my child | child)',
  '(searching | looking) for (him | her | them | my child | child) & (police | dark | night | hours | streets | everywhere | park | area | still)',
  '(ran | run | running) away & (home | from home | again | last night | hours | since)',
  // ran off, walked out, bolted … and is not back, or not known where, or it is getting late
  {
    match: `(ran | run | runs | running | walked | walks | walking | stormed | storms | bolted | bolts | legged it | took off | climbed) (off | away | out) & (${NOT_BACK_NOW})`,
    unless: 'brought (him | her | them) back | came back | come back by | found (him | her | them) | is back | safe now | back safe',
  },
  // not home: said only of people
  {
    match: '(has not | have not | is not | are not | still not | never | did not | not) (come | came | got | gotten | been | arrived) (home | back home) | not home yet',
    unless: 'home (educat* | school* | tutor* | tuition | visit* | visits)',
    clause: true,
  },
  // not back: said of a child, not of a council that has not replied
  {
    match: '(he | she | my child | child) (is | has | did | is still | has still | still)? (not | never) (come | came | got | gotten | been | arrived) back | (he | she | my child | child) (is | has)? still not back',
    unless: '(been | come | gone | got | came) back (to | at | in | into) (school | college | class | lessons | education | nursery | full time | the classroom) | back (at | in) (school | college) | back to (me | us)',
    clause: true,
  },
];

/** "Can't cope with all the paperwork", "not coping with the emails": a SEND chore, not a crisis. */
const SEND_CHORE =
  '(paperwork | forms | form | emails | email | admin | meetings | meeting | calls | phone calls | letters | process | deadlines | deadline | ' +
  'appeal | tribunal | council | school | college | la | reviews | review | annualreview | ehcp | plan | system | waiting)';
const WITH_A_CHORE = `with (the | all the | all this | this | that | all of the | so much | the amount of | all these | these | his | her | their)? ${SEND_CHORE}`;
/** Giving up on a task or on a school, not on life: "I give up trying to get them to answer emails". */
const GIVING_UP_ON_SOMETHING =
  '(give | giving | gave | given) up (trying | hope of | asking | chasing | emailing | ringing | calling | phoning | waiting | fighting (for | with) (the | this | his | her | a) | ' +
  'on (the | this | that | them | him | her | his | their | our | it | school | college | council | la | appeal | tribunal | complaint | mediation | getting | asking | chasing | ever) | ' +
  '(the | this | that | my | his | her | our) (appeal | claim | complaint | fight | case | place | job | work | tribunal | plan | ehcp | hope) | work | my job)';

/**
 * The writer's own crisis, said without the words of suicide or self-harm: wanting it all to stop,
 * giving up, done with everything, thinking of ending it, feeling hopeless. (Not coping and breaking
 * point are {@link OWN_CRISIS}: said of a child at school they are a SEND question.) A parent at the
 * end of their tether who says "I can't cope" is worth the gentle urgent reply and a person: a false
 * alarm costs an apology. Ordinary frustration with a school, a council or a chore ("I'm done with
 * this school", "I give up trying to get them to answer emails", "at the end of my tether with this
 * council") is not; "at the end of my tether" or "I give up" alone is upset, not a risk (the `upset`
 * control answers it, with Samaritans).
 */
const CRISIS_PATTERNS: RiskPattern[] = [
  // "he can't cope and neither can I"
  '(can not | not) (cope | coping) & (neither | nor) (can | am) (i | we)',
  '(want | wanted | wants | need | needs | wish) (it all | everything | all of it | all this | the pain | the thoughts | my life | life) to (stop | end | be over | go away) | just want it (all)? to (stop | end | be over) | make it all stop',
  {
    match: '(feel | feeling | felt | feels) like giving up | (want | wanted | ready | going) to give up | (give | giving | given | gave) up on (life | everything | myself | living | it all) | i (just)? give up on (everything | life)',
    unless: GIVING_UP_ON_SOMETHING,
    clause: true,
  },
  '(done | finished) (with | wiv | wid) (everything | it all | life | living | being alive) | had enough of (everything | life | living | it all | being alive) | (tired | sick | fed up) of (living | life | being alive)',
  {
    match: '(think* | thought | thoughts | considering | considered | planning | planned | feel like | feeling like | felt like) (about | of)? (ending it | ending things | ending my life | ending it all | not being here | not being around | dying | killing myself | taking my life | taking my own life)',
    unless: '(ending | end) (it | things) with',
  },
  // "I feel hopeless", not "I'm hopeless with forms"
  '(feel | feeling | felt | feels) (so | really | completely | totally | utterly | very | just)? (hopeless | worthless | numb | like a burden | a burden | like i am a burden | empty inside) | i am (such | just)? (a burden | worthless)',
  'in a (really | very)? (dark | bad) place | dark thoughts | (no | not see a | not see any | can not see a | can not see any) way out',
  'not want to (live | be alive | exist | wake up) | not want to (be here | be around) (anymore | any more)',
  'wish (i | he | she | they) (was | were | had | would)? (not here | never been born | not been born | gone | not alive)',
  'if i (was | were) (gone | dead | not here | not around)',
  // "I don't know how much longer I can keep going", "I don't think I can carry on", "there's no point anymore"
  'how much longer (i | we) can (keep going | go on | carry on | cope | take (it | this) | do this | keep doing this)',
  '(i | we) (do not | dont) think (i | we) can (carry on | keep going | go on | cope | do this (anymore | any more) | take (it | this) (anymore | any more) | take (much more | any more | anymore))',
  '(there is | theres | there s | is there | whats the | what is the) (no | any)? point (anymore | any more | in anything | to anything | in life | in trying anymore | in going on | in carrying on)',
  '(sleep | go to sleep) and (never | not) wake up | sleep forever | (lost | losing) the will to live',
];

/**
 * Crisis words that are the writer's only when the writer is their subject ("I can't cope", "not
 * coping at all", "im at breaking point", "everything's too much and I can't do this anymore"); said
 * of a child or a school ("my son is way behind and can't cope", "school can't cope with him", "she's
 * at breaking point with school refusal") they are a SEND question. Read by {@link ownCrisis}, with
 * the words that follow that make them a chore ("can't cope with all the paperwork", "can't take any
 * more time off", "can't take it to tribunal").
 */
const OWN_CRISIS = {
  match:
    'can not cope | could not cope | (cnt | carnt | cannt | cant) cope | not coping | not copin | struggling to cope | unable to cope | not able to cope | breaking point | ' +
    '(can not | could not) (do this | do it | do any of this | take it | take this | carry on | keep going | keep doing this | go on | cope) (anymore | any more | like this | much longer) | ' +
    '(can not | could not) take (any more | anymore | much more) | (can not | could not) take (it | this)',
  unless:
    `(cope | coping) ${WITH_A_CHORE} | take (any more | anymore | much more) (time | days | time off | leave | calls | hours | weeks | of (his | her | their)) | ` +
    'take (it | this) (to | further | up | forward | on | off | in | out | seriously | back | any further | there | home | with)',
};
/** The writer as subject. */
const WRITER = new Set(['i', 'we', 'me', 'myself', 'ourselves']);
/** Someone or something else as subject: a child, family, a school, a council, a plan. */
const NOT_THE_WRITER = new Set([
  'he', 'she', 'they', 'him', 'her', 'them', 'child', 'children', 'kids', 'kid', 'pupil', 'student', 'yp', 'teen', 'teenager',
  'brother', 'sister', 'friend', 'partner', 'husband', 'wife', 'parent', 'parents', 'school', 'college', 'nursery', 'setting', 'staff',
  'teacher', 'teachers', 'ta', 'tas', 'senco', 'class', 'placement', 'head', 'headteacher', 'council', 'la', 'family', 'plan', 'ehcp', 'who',
  'that', 'which', 'everyone', 'nobody', 'someone',
]);
/** What may follow "can't take it" and keep it a crisis: "can't take it anymore", "can't take this now". */
const STILL_TAKING_IT = new Set(['anymore', 'any', 'no', 'much', 'now', 'all', 'tbh', 'honestly', 'longer', 'i', 'please', 'help']);

let ownCrisisPattern: CompiledPattern | undefined;
/** The {@link OWN_CRISIS} phrases by their first word (none starts with a wildcard), longest first. */
let ownCrisisPhrases: Map<string, string[][]> | undefined;

function occursAt(words: readonly string[], start: number, phrase: readonly string[]): boolean {
  if (start + phrase.length > words.length) return false;
  return phrase.every((p, j) => (p.endsWith('*') ? words[start + j]!.startsWith(p.slice(0, -1)) : words[start + j] === p));
}

/**
 * Whether one clause says the writer cannot cope, is at breaking point, can't take any more: an
 * {@link OWN_CRISIS} phrase whose subject is the writer ("I", "we") or no one (a clause that starts
 * with it, as texts do: "not coping at all"). Its subject is the nearest person or thing named
 * before it in the clause ("my son is still way behind and can't cope" is the son's). With
 * `writerAlone`, "we" is not the writer alone: the family is in it.
 */
function ownCrisis(clause: readonly string[], writerAlone = false): boolean {
  ownCrisisPattern ??= compilePattern(OWN_CRISIS, 'own-crisis');
  if (!ownCrisisPhrases) {
    ownCrisisPhrases = new Map();
    for (const { words } of ownCrisisPattern.clauses[0]!) ownCrisisPhrases.set(words[0]!, [...(ownCrisisPhrases.get(words[0]!) ?? []), words]);
    for (const list of ownCrisisPhrases.values()) list.sort((a, b) => b.length - a.length);
  }
  const exceptions = ownCrisisPattern.unless.map((alt) => alt.words);
  for (let i = 0; i < clause.length; i++) {
    const phrase = ownCrisisPhrases.get(clause[i]!)?.find((p) => occursAt(clause, i, p));
    if (!phrase) continue;
    // "can't cope with all the paperwork": the words that follow make it a chore
    const after = i + phrase.length;
    // "can't take it" ends the clause or goes on as a crisis, not "can't take this decision lying down"
    if (['it', 'this'].includes(phrase.at(-1)!) && after < clause.length && !STILL_TAKING_IT.has(clause[after]!)) continue;
    if (exceptions.some((e) => [i, i + 1, i + 2, after - 1, after - 2].some((at) => at >= 0 && occursAt(clause, at, e)))) continue;
    let subject: 'writer' | 'other' | undefined;
    for (let j = i - 1; j >= 0 && !subject; j--) {
      const word = clause[j]!;
      // "we" is the writer, and the family with them
      if (WRITER.has(word)) subject = writerAlone && (word === 'we' || word === 'ourselves') ? 'other' : 'writer';
      else if (NOT_THE_WRITER.has(word)) subject = 'other';
    }
    if (subject !== 'other') return true;
  }
  return false;
}

/** A child, a young person or an adult who does not feel safe at home: a risk whoever says it. */
const HOME = '(home | house | flat | room | bedroom)';
const AT_HOME = `(at home | in (my | his | her | their | our | the) (own)? ${HOME} | living (here | there | at home) | (going | to go | to be) home)`;
const PEOPLE_AT_HOME =
  '(parent | parents | partner | husband | wife | boyfriend | girlfriend | ex | stepdad | stepfather | stepmum | step parent | brother | sister | family | uncle | carer | carers | foster parent | him | her | them)';
const UNSAFE_AT_HOME: RiskPattern[] = [
  `(not | never | no longer) (feel | felt | feeling) safe ${AT_HOME}`,
  `(not | never | no longer) (feel | felt) safe (with | around) (my | his | her | their | our)? ${PEOPLE_AT_HOME}`,
  `(feel | feels | feeling | felt) (unsafe | scared | afraid | frightened | terrified) ${AT_HOME}`,
  `not safe (for (me | him | her | them | us | my child))? ${AT_HOME} | unsafe ${AT_HOME}`,
];

// ---------------------------------------------------------------------------------------------
// A child in a relationship with, or meeting, someone much older

/** Whom an age in a message belongs to, as the words next to it say. */
type AgeOwner = 'child' | 'romantic' | 'someone' | 'other';

interface AgeMention {
  age: number;
  owner: AgeOwner;
  /** Said of a romantic partner who is the writer's own ("my boyfriend is 30"). */
  mine?: boolean;
  /** The writer giving their own age ("im 14"). */
  firstPerson?: boolean;
}

/** A partner in a relationship: an adult one is a risk to a child whatever else is said. */
const ROMANTIC = new Set(['boyfriend', 'boyfriends', 'girlfriend', 'girlfriends', 'bf', 'gf', 'bfs', 'gfs', 'lover', 'fella', 'fiance', 'fiancee']);
/** Someone an age may describe who is not family or a professional: a risk with signs of a relationship or private contact. */
const SOMEONE = new Set([
  'man', 'men', 'guy', 'guys', 'bloke', 'woman', 'women', 'lad', 'lads', 'male', 'males', 'female', 'adult', 'adults', 'person', 'someone',
  'somebody', 'friend', 'friends', 'mate', 'mates', 'he', 'she', 'they', 'stranger', 'older',
]);
/** The child themselves. */
const CHILD_WORDS = new Set(['child', 'teen', 'teenager', 'pupil', 'student', 'i']);
/**
 * Words that name no one: next to an age, they leave it to the words around ("my 14 year old has …").
 * Any other word next to an age that is not a person word above names family, staff, a professional
 * or a thing ("his sister is 22", "a 25 year old support worker", "a 22 page report"): that age says
 * nothing about a relationship.
 */
const FUNCTION_WORDS = new Set([
  'and', 'but', 'so', 'or', 'then', 'now', 'already', 'too', 'also', 'only', 'just', 'is', 'are', 'was', 'were', 'has', 'had', 'have', 'who',
  'which', 'that', 'the', 'a', 'an', 'my', 'his', 'her', 'their', 'our', 'your', 'it', 'we', 'you', 'with', 'at', 'in', 'on', 'from', 'of',
  'off', 'to', 'for', 'by', 'keeps', 'keep', 'been', 'being', 'be', 'not', 'no', 'if', 'when', 'because', 'dating', 'seeing', 'going',
  'goes', 'went', 'meeting', 'meets', 'met', 'talking', 'talks', 'messaging', 'messages', 'texting', 'chatting', 'sleeping', 'sleeps', 'slept',
  'hanging', 'hangs', 'staying', 'stays', 'online', 'says', 'said', 'thinks', 'plus', 'ish', 'yet', 'still', 'again', 'secretly', 'behind',
]);
/** Words between a person and their age: "boyfriend is 22", "a man of 19", "her bf who is like 20". */
const AGE_LINKS = new Set([
  'is', 'was', 'am', 'are', 'who', 'whos', 'aged', 'age', 'of', 'turned', 'turns', 'just', 'only', 'nearly', 'almost', 'about', 'around',
  'like', 'over', 'at', 'least', 'probably', 'apparently', 'supposedly', 'maybe', 'now', 'already', 'says', 'said', 'be',
]);
/** What a bare number followed by one of these counts or measures: "is 20 minutes away", "is 6 foot". */
const COUNTED = new Set([
  'minutes', 'minute', 'mins', 'min', 'hours', 'hour', 'hrs', 'hr', 'days', 'day', 'weeks', 'week', 'wks', 'months', 'month', 'mths', 'year',
  'years', 'pages', 'page', 'miles', 'mile', 'percent', 'per', 'pounds', 'quid', 'stone', 'kilos', 'kg', 'foot', 'feet', 'ft', 'cm', 'inches',
  'times', 'time', 'pm', 'am', 'oclock', 'o', 'th', 'st', 'nd', 'rd', 'sessions', 'lessons', 'points', 'marks', 'working', 'school', 'pupils',
  'child', 'people', 'students', 'of', 'out', 'or', 'to', 'x', 'mg', 'ml', 'hz', 'k', 'm', 'p',
]);
/** "is", "aged", "of" … : what makes a bare number an age ("is 14"), unlike "a 22 page report". */
const AGE_VERBS = new Set(['is', 'was', 'am', 'are', 'whos', 'aged', 'age', 'of', 'turned', 'turns']);
/** Determiners and adjectives that may stand before a partner ("her new boyfriend", "a secret bf"). */
const PARTNER_LEAD = new Set(['his', 'her', 'their', 'a', 'an', 'the', 'this', 'that', 'has', 'have', 'got', 'with', 'new', 'secret', 'online', 'older', 'adult', 'first', 'current', 'so', 'called', 'apparent']);
const UNITS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9 };
const NUMBER_WORDS: Record<string, number> = {
  eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18,
  nineteen: 19, twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60,
};
const DECADES: Record<string, number> = { twenties: 20, thirties: 30, forties: 40, fifties: 50, '20s': 20, '30s': 30, '40s': 40, '50s': 50 };

/** A number at `i` ("14", "fourteen", "twenty two"), and how many words it takes. */
function numberAt(words: readonly string[], i: number): { value: number; length: number } | undefined {
  const word = words[i]!;
  if (/^\d{1,2}$/.test(word)) return { value: Number(word), length: 1 };
  const tens = NUMBER_WORDS[word];
  if (tens === undefined) return undefined;
  const unit = tens >= 20 ? UNITS[words[i + 1] ?? ''] : undefined;
  return unit === undefined ? { value: tens, length: 1 } : { value: tens + unit, length: 2 };
}

function ownerOf(word: string | undefined): AgeOwner | undefined {
  if (word === undefined) return undefined;
  if (ROMANTIC.has(word)) return 'romantic';
  if (CHILD_WORDS.has(word)) return 'child';
  if (SOMEONE.has(word)) return 'someone';
  return FUNCTION_WORDS.has(word) || AGE_LINKS.has(word) ? undefined : 'other';
}

/** The person an age before `start` is said of ("her boyfriend is 22" → romantic), if it is said of one. */
function ownerBefore(words: readonly string[], start: number): { owner: AgeOwner; at: number } | undefined {
  let sawVerb = false;
  for (let j = start - 1, skipped = 0; j >= 0 && skipped <= 3; j--, skipped++) {
    const word = words[j]!;
    if (AGE_LINKS.has(word)) {
      if (AGE_VERBS.has(word)) sawVerb = true;
      continue;
    }
    // "he is 15", "my child is 14", "a man of 19", "boyfriend 22" ("her boyfriend (22)"): a person, then the age
    const owner = ownerOf(word);
    if (!owner) return undefined;
    // "until he is 19", "when she turns 18": the child's own age to come, not someone else's
    if (['he', 'she', 'they'].includes(word) && FUTURE.has(words[j - 1] ?? '')) return { owner: 'other', at: j };
    return sawVerb || (skipped === 0 && !['he', 'she', 'i', 'they'].includes(word)) ? { owner, at: j } : undefined;
  }
  return undefined;
}

/** Words before "he is 19" that make it an age to come. */
const FUTURE = new Set(['until', 'till', 'til', 'untill', 'when', 'once', 'before', 'after', 'unless', 'if', 'by']);

/** Whether the partner at `at` is the writer's own ("my boyfriend"), or said of someone else's ("his dads girlfriend"). */
function partnerLead(words: readonly string[], at: number): 'mine' | 'theirs' | 'other' {
  for (let j = at - 1; j >= 0; j--) {
    const word = words[j]!;
    if (word === 'my') return 'mine';
    if (word === 'olds') return 'theirs'; // "my 14 year old's boyfriend"
    if (!PARTNER_LEAD.has(word)) return 'other';
    if (!['new', 'secret', 'online', 'older', 'adult', 'first', 'current', 'so', 'called', 'apparent'].includes(word)) return 'theirs';
  }
  return 'theirs';
}

/** Every age the message gives, with whom it is said of. */
function agesIn(words: readonly string[]): AgeMention[] {
  const mentions: AgeMention[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    // "in their 20s", "in her late twenties"
    const decade = DECADES[word];
    if (decade !== undefined) {
      if (words[i - 1] === 'in' || words[i - 2] === 'in' || words[i - 3] === 'in') mentions.push({ age: decade, owner: 'someone' });
      continue;
    }
    // "year 9": a school year, the age of the child in it
    if (word === 'year' && /^\d{1,2}$/.test(words[i + 1] ?? '') && !['old', 'olds'].includes(words[i + 2] ?? '')) {
      const year = Number(words[i + 1]);
      if (year >= 3 && year <= 13) mentions.push({ age: year + 4, owner: 'child' });
      i++;
      continue;
    }
    // "14yr old", read by the normaliser as one word and "old"
    const glued = /^(\d{1,2})(?:y|yr|yrs)$/.exec(word);
    const number = glued && words[i + 1] === 'old' ? { value: Number(glued[1]), length: 1 } : numberAt(words, i);
    if (!number) continue;
    let end = i + number.length; // the first word after the number
    const ageForm = ['year', 'years'].includes(words[end] ?? '') && ['old', 'olds'].includes(words[end + 1] ?? '')
      ? 2 : (words[end] === 'old' || words[end] === 'olds') ? 1 : 0;
    const olds = ageForm > 0 && words[end + ageForm - 1] === 'olds';
    end += ageForm;
    // "my 14 year old's boyfriend" is the child's; "a club for 16 to 25 year olds" is a group, no one's age
    const possessive = olds && words[end] !== undefined && !FUNCTION_WORDS.has(words[end]!);
    if (olds && !possessive) continue;
    // "a 22 year old boyfriend", "a 30 year old psychologist": the person named after the age
    const after = ageForm > 0 && !possessive ? ownerOf(words[end]) : undefined;
    const before = ownerBefore(words, i);
    let owner: AgeOwner | undefined;
    let at = -1;
    /** Where the words naming the person begin: "her [22 year old boyfriend]", "her [boyfriend] is 22". */
    let lead = -1;
    if (after) {
      owner = after;
      at = end;
      lead = i;
    } else if (before) {
      ({ owner, at } = before);
      lead = at;
    } else if (ageForm > 0) {
      owner = 'someone'; // "my 14 year old", "a 22 year old he met online"
    } else continue; // a bare number: "22 pages", "20 weeks"
    if (owner === 'other') continue;
    // a bare number followed by a unit is a count or a measure, not an age: "he is 20 minutes away"
    if (ageForm === 0 && COUNTED.has(words[end] ?? '')) continue;
    const mention: AgeMention = { age: number.value, owner };
    if (owner === 'child' && words[at] === 'i') mention.firstPerson = true;
    if (owner === 'romantic') {
      const whose = partnerLead(words, lead);
      if (whose === 'other') continue;
      if (whose === 'mine') mention.mine = true;
    }
    mentions.push(mention);
    i = Math.max(i, end - 1);
  }
  return mentions;
}

/**
 * Signs of a relationship or private contact, for an age said of "a man" or "someone": "seeing",
 * "dating", "meeting", "messaging", "met online", "staying over".
 */
const RELATIONSHIP =
  'boyfriend* | girlfriend* | bf | gf | dating | date | dates | dated | seeing | going out with | goes out with | went out with | ' +
  'relationship | sleeping with | slept with | sleeps with | sex | kiss* | hooking up | hooked up | in love | lover | engaged | ' +
  'meeting | meets | meet | met | messag* | texting | texts | chatting | talking to | talks to | snapchat* | online | ' +
  'hanging (around | out) with | hangs (around | out) with | staying over | stays over | stayed over | stays at | staying at | ' +
  'picks (him | her | them) up | picking (him | her | them) up | lifts';
/** A partner said to be much older without an age: "a much older boyfriend", "her bf is a grown man". */
const MUCH_OLDER =
  'much older | a lot older | way older | loads older | lot older | far older | years older | older man | older men | older guy | older guys | ' +
  'older bloke | older woman | grown man | grown men | grown woman | grown adult | an adult | over 18 | over eighteen';

let relationship: IntentMatcher | undefined;
let muchOlder: IntentMatcher | undefined;

/**
 * A child (17 or under, by their age or school year) with a partner or contact who is an adult:
 * under the age of consent with anyone 18 or over, or 16–17 with someone five or more years older.
 * An age said of family, staff or a thing ("his sister is 22", "a 22 page report") is not a partner.
 */
function olderPartner(words: readonly string[]): boolean {
  if (!words.some((w) => /\d|teen|twent|thirt|fort|fift|year|old/.test(w))) return false;
  const ages = agesIn(words);
  const children = ages.filter((m) => m.age >= 8 && m.age <= 17 && (m.owner === 'child' || m.owner === 'someone'));
  if (children.length === 0) return false;
  relationship ??= new IntentMatcher([{ id: 'relationship', patterns: [{ match: RELATIONSHIP }], examples: [] }]);
  const related = relationship.matchRules(words).length > 0;
  const writerIsChild = children.some((c) => c.firstPerson);
  const adults = ages.filter((m) => m.age >= 18 && (m.owner === 'romantic' ? !m.mine || writerIsChild : m.owner === 'someone' && related));
  const young = Math.min(...children.map((c) => c.age));
  if (adults.some((a) => young < 16 || a.age - young >= 5)) return true;
  // no age for the partner, but said to be much older
  if (!related) return false;
  muchOlder ??= new IntentMatcher([{ id: 'much-older', patterns: [{ match: MUCH_OLDER }], examples: [] }]);
  return muchOlder.matchRules(words).length > 0;
}

/** Words that show a message is about safeguarding as a subject, not a risk now. */
const NOT_A_RISK_NOW = 'safeguarding policy | safeguarding procedure | safeguarding training';

/** The kinds of risk, as the detector names them. */
const TO_SELF = 'harm-to-self';
const UNSAFE_HOME = 'unsafe-at-home';
const OTHER = 'other-risk';
const RISK_GROUPS: ReadonlyArray<readonly [string, RiskPattern[]]> = [
  [TO_SELF, [...HARM_TO_SELF, ...CRISIS_PATTERNS]],
  [UNSAFE_HOME, UNSAFE_AT_HOME],
  [OTHER, OTHER_RISKS],
];

let detector: IntentMatcher | undefined;
let clauseDetector: IntentMatcher | undefined;
let notARiskNow: IntentMatcher | undefined;

function matcherOf(groups: ReadonlyArray<readonly [string, RiskPattern[]]>): IntentMatcher {
  return new IntentMatcher(groups.map(([id, patterns]) => ({
    id,
    patterns: patterns.map((spec) =>
      typeof spec === 'string'
        ? { match: spec, unless: NOT_A_RISK_NOW }
        : { match: spec.match, unless: `${spec.unless} | ${NOT_A_RISK_NOW}` }),
    examples: [],
  })));
}

function wholeMessageDetector(): IntentMatcher {
  return (detector ??= matcherOf(RISK_GROUPS));
}

/**
 * Every word the risk patterns use, for the spelling corrector, so that a misspelt risk word
 * ("misssing", "sucide") is read as the word it was meant to be, as topic words are.
 */
export function riskVocabulary(): ReadonlySet<string> {
  const words = [...wholeMessageDetector().vocabulary, ...vocabularyOf(`${OWN_CRISIS.match} ${OWN_CRISIS.unless}`)];
  relationship ??= new IntentMatcher([{ id: 'relationship', patterns: [{ match: RELATIONSHIP }], examples: [] }]);
  muchOlder ??= new IntentMatcher([{ id: 'much-older', patterns: [{ match: MUCH_OLDER }], examples: [] }]);
  return new Set([...words, ...relationship.vocabulary, ...muchOlder.vocabulary].filter((w) => !w.includes('*')));
}

/**
 * Where a typed message's clauses end: sentence and clause punctuation, line breaks, and dashes
 * or brackets that set words apart. The normaliser drops all of these.
 */
const CLAUSE_BREAK = /[.,;:!?\n\r\u2026()[\]{}\u2013\u2014]+|\s-+\s/u;

/** The clauses of a typed message, each normalised as the whole message is. */
export function clausesOf(text: string, correct?: SpellingCorrector): string[][] {
  if (typeof text !== 'string' || text.length === 0) return [];
  return text.split(CLAUSE_BREAK).map((clause) => normaliseWords(clause, correct)).filter((words) => words.length > 0);
}

/** The kinds of risk a message shows: harm to oneself, not safe at home, or any other. */
interface RisksFound {
  toSelf: boolean;
  unsafeAtHome: boolean;
  other: boolean;
}

function risksIn(words: readonly string[], text?: string, correct?: SpellingCorrector): RisksFound {
  const kinds = new Set(wholeMessageDetector().matchRules(words).map((c) => c.id));
  const found = { toSelf: kinds.has(TO_SELF), unsafeAtHome: kinds.has(UNSAFE_HOME), other: kinds.has(OTHER) || olderPartner(words) };
  if (text === undefined) {
    found.toSelf ||= ownCrisis(words);
    return found;
  }
  const clauses = clausesOf(text, correct);
  // "I can't cope" is the writer's in its own clause: "my son can't cope, I'm fine" is not.
  found.toSelf ||= clauses.some((clause) => ownCrisis(clause));
  if (clauses.length < 2) return found;
  // A message about safeguarding as a subject is that, whichever clause says so.
  notARiskNow ??= new IntentMatcher([{ id: 'subject', patterns: [{ match: NOT_A_RISK_NOW }], examples: [] }]);
  if (notARiskNow.matchRules(words).length > 0) return found;
  clauseDetector ??= matcherOf(RISK_GROUPS.map(([id, patterns]) => [id, patterns.filter((spec) => typeof spec !== 'string' && spec.clause)] as const));
  for (const clause of clauses) {
    for (const { id } of clauseDetector.matchRules(clause)) {
      if (id === TO_SELF) found.toSelf = true;
      else if (id === UNSAFE_HOME) found.unsafeAtHome = true;
      else found.other = true;
    }
  }
  return found;
}

/**
 * True when the normalised words suggest that someone may be at risk of harm now. Given the message
 * as typed (and the spelling corrector `words` were read with, if any), each of its clauses is also
 * tried on its own against the patterns whose exceptions a comma or full stop ends. Harm to oneself
 * told as past and over ("he used to self-harm years ago but he's fine now") is not a risk now
 * (see {@link resolvedInThePast}).
 */
export function suggestsRisk(words: readonly string[], text?: string, correct?: SpellingCorrector): boolean {
  return readRisk(words, text, correct) === 'now';
}

/**
 * What the safeguarding check makes of a message, in one reading: a risk now ({@link suggestsRisk}),
 * harm to oneself told as long past and over ({@link resolvedInThePast}), or neither.
 */
export function readRisk(words: readonly string[], text?: string, correct?: SpellingCorrector): 'now' | 'past' | undefined {
  const found = risksIn(words, text, correct);
  if (found.other || found.unsafeAtHome) return 'now';
  if (!found.toSelf) return undefined;
  return toldAsOver(words, text, correct) ? 'past' : 'now';
}

// ---------------------------------------------------------------------------------------------
// Harm to oneself told as past and over

/** Long enough ago to be history: "used to", "years ago", "last year", "when he was little". */
const LONG_AGO = [
  'used to | years ago | year ago | a long time ago | long time ago | ages ago | last year | the year before | in the past | previously | history of | as a (child | teenager | teen)',
  'when (he | she | they | i | we | my child) (was | were) (younger | little | small | a child | a teenager | at primary | in primary | at (his | her | their | my) old school | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16)',
  'back in (2010 | 2011 | 2012 | 2013 | 2014 | 2015 | 2016 | 2017 | 2018 | 2019 | 2020 | 2021 | 2022 | 2023 | 2024) | at (his | her | their | my) old school | in primary (school)?',
  // "a spell of self harming in year 7" (said of a school year gone by, with the rest telling it is over)
  '(in | during | back in | around) (year | yr) (3 | 4 | 5 | 6 | 7 | 8 | 9 | 10) | a (spell | phase | period | patch | time) of',
].join(' | ');
const NOT_LONG_AGO = '(am | is | are | was | get | gets | got | getting | become | becoming) used to';
/** Said to be over now: "he's fine now", "she is doing really well", "no longer". */
const OVER_NOW = [
  '(fine | ok | okay | alright | all right | well | better | much better | good | great | happy | happier | settled | stable | safe) now',
  'doing (really | so | very | much)? (well | better | great | fine | ok | okay | good) | (has | have) (been)? (fine | well | ok | okay | good) (since | for) | no longer',
  '(stopped | recovered | got better | came through | come through | moved on | over it | all in the past | (all | well | long)? behind (him | her | them | me | us))',
].join(' | ');
/**
 * Anything that says it may not be over: now, again, recent, still, worry, or that things are not
 * fine. Any of these keeps the message a risk.
 */
const MAY_NOT_BE_OVER = [
  'again | started | starting | back to | come back | coming back | came back | relaps* | recently | lately | at the moment | right now | currently | this week | last week | last weekend | this month | days ago | weeks ago | few days | few weeks',
  'last night | tonight | today | yesterday | this morning | this afternoon | this evening | keeps | keep | kept',
  'still (self harm* | harm* | hurt* | cut* | burn* | has | have | gets | get | talks | talking | says | saying | does | doing | feels | feel | struggl* | thinks | thinking | wants | not | at risk | suicidal)',
  'worried | worry | worrying | worries | scared | afraid | frightened | terrified | concerned | concern* | signs | worse | getting bad | bad again | not (fine | ok | okay | alright | well | better | safe | doing well | good)',
].join(' | ');

let longAgo: IntentMatcher | undefined;
let overNow: IntentMatcher | undefined;
let mayNotBeOver: IntentMatcher | undefined;

function says(matcher: IntentMatcher, words: readonly string[]): boolean {
  return matcher.matchRules(words).length > 0;
}

/**
 * Whether a message tells of harm to oneself (self-harm, suicidal thoughts, a crisis) as long past
 * and over now ("my son used to self-harm a few years ago but he's fine now", "she had suicidal
 * thoughts last year but is doing well now"), with nothing that says it may not be over: no "again",
 * "recently", "still", no worry, nothing from the last weeks. Every clause that tells of the harm must
 * say when (long ago), and the message must say it is over. Abuse, violence, a missing child, an
 * adult contacting a child and not feeling safe at home are never read this way: whoever did it, or
 * whatever it was, may still be there.
 */
export function resolvedInThePast(words: readonly string[], text?: string, correct?: SpellingCorrector): boolean {
  return readRisk(words, text, correct) === 'past';
}

/** {@link resolvedInThePast}, for a message whose only risk is harm to oneself. */
function toldAsOver(words: readonly string[], text?: string, correct?: SpellingCorrector): boolean {
  overNow ??= new IntentMatcher([{ id: 'over-now', patterns: [{ match: OVER_NOW }], examples: [] }]);
  mayNotBeOver ??= new IntentMatcher([{ id: 'may-not-be-over', patterns: [{ match: MAY_NOT_BE_OVER }], examples: [] }]);
  if (!says(overNow, words) || says(mayNotBeOver, words)) return false;
  longAgo ??= new IntentMatcher([{ id: 'long-ago', patterns: [{ match: LONG_AGO, unless: NOT_LONG_AGO }], examples: [] }]);
  const clauses = text === undefined ? [words] : clausesOf(text, correct);
  const harmClauses = clauses.filter((clause) => ownCrisis(clause) || wholeMessageDetector().matchRules(clause).some((c) => c.id === TO_SELF));
  const past = longAgo;
  // The harm only shows across clauses: the message as a whole must say when.
  if (harmClauses.length === 0) return says(past, words);
  return harmClauses.every((clause) => says(past, clause));
}

// ---------------------------------------------------------------------------------------------
// The writer's own crisis

/**
 * Someone other than the writer: a child, family, a partner. A crisis said of them, or with them in
 * it, gets the reply for families, which puts the child first.
 */
const OTHERS_IN_IT = new Set([
  'he', 'she', 'him', 'her', 'his', 'hers', 'himself', 'herself', 'themselves', 'themself', 'child', 'children', 'kids', 'kid', 'baby',
  'babies', 'pupil', 'pupils', 'student', 'students', 'yp', 'teen', 'teenager', 'toddler', 'brother', 'sister', 'friend', 'boyfriend',
  'girlfriend', 'partner', 'husband', 'wife', 'ex', 'parent', 'parents', 'stepdad', 'stepmum', 'stepfather', 'stepmother', 'uncle',
  'aunt', 'nan', 'grandad', 'we', 'us', 'our', 'ours', 'ourselves',
]);

/**
 * True when a risk message is the writer's own crisis, with no one else in it: "I can't cope
 * anymore", "im done with everything", "I just want it all to stop", "I don't feel safe at home".
 * The clauses that carry the risk must name no one else (no child, partner, "he" or "we"); other
 * clauses may ("my son has an EHCP. I can't cope anymore" is the writer's), and so may a clause
 * whose only risk is the writer not coping ("my son is autistic and I can't cope anymore"). Only harm to oneself
 * and not feeling safe at home can be the writer's alone: abuse, a missing child or an emergency
 * always gets the reply that puts the child first. Ask `writtenByYoungPerson` first: a child or
 * young person writing about themselves is spoken to as one.
 */
export function writtenAboutThemselves(words: readonly string[], text?: string): boolean {
  const clauses = text === undefined ? [words] : clausesOf(text);
  let riskClauses = clauses.filter((clause) => {
    const found = risksIn(clause);
    return found.toSelf || found.unsafeAtHome || found.other;
  });
  // The risk only shows across clauses: read the message as a whole.
  if (riskClauses.length === 0) riskClauses = [words];
  return riskClauses.every((clause) => {
    // "my son is autistic and I can't cope": the writer is the subject of the only risk words
    if (wholeMessageDetector().matchRules(clause).length === 0 && !olderPartner(clause) && ownCrisis(clause, true)) return true;
    return !risksIn(clause).other && !clause.some((word) => OTHERS_IN_IT.has(word));
  });
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

// ---------------------------------------------------------------------------------------------
// Who is writing

/** Ages a child or teenager gives ("I'm 15", "im only 13"). */
const CHILD_AGE = '8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | eight | nine | ten | eleven | twelve | thirteen | fourteen | fifteen | sixteen | seventeen';

/** The people a child lives with or is looked after by, as the normaliser writes them ("my dad" is "my parent"). */

/**
 * Signs that the writer is a child or young person speaking for themselves: their age, their school
 * or teacher, or a grown-up at home who hurts "me".
 */
const YOUNG_WRITER_PATTERNS: Array<{ match: string; unless?: string }> = [
  { match: `i am (only | just)? (${CHILD_AGE}) | i am (only | just)? a (${CHILD_AGE}) (year old | years old | yr old | yo)` },
  { match: '(i am | im | i m) (in)? (year | yr) (6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | six | seven | eight | nine | ten | eleven | twelve | thirteen)' },
  { match: 'i am (a | just a | only a) (child | teenager | teen | young person | pupil | schoolgirl | schoolboy) | i am under (16 | 18)' },
  { match: 'at my school | in my class | in my year | my teacher | my teachers | my form tutor | my tutor group | my ta | my teachingassistant | my head of year' },
  {
    match: `my (${GROWN_UPS_AT_HOME}) & (hit* | beat* | hurt* | kick* | punch* | slap* | touch* | shout* at | scream* at | lock* | threaten* | chok* | strangl* | throw* | grab* | push* | starv* | abus*) (me | myself)`,
  },
  { match: `(scared | afraid | frightened | terrified) of my (${GROWN_UPS_AT_HOME}) | (do not | can not) (want to)? go home` },
  { match: 'kick* me out | kicked me out | threw me out | thrown me out | not allowed (to)? (eat | go out | leave my room)' },
  // keeping it from a parent: "my mum can't know", "don't tell my dad"
  {
    match: `my (${GROWN_UPS_AT_HOME} | parents | family | carer | carers) (can not | must not | should not | is not allowed to | are not allowed to | can never | must never | does not need to | do not need to) (know | find out | see this | be told) | ` +
      `(do not | please do not | never) tell my (${GROWN_UPS_AT_HOME} | parents | family) | (without | before) my (${GROWN_UPS_AT_HOME} | parents) (knowing | finding out)`,
  },
];

/** A parent writing: "my son" and "my daughter" are "my child" once normalised. */
const WRITES_AS_A_PARENT = 'my child | our child | my children | our children | my baby | my partner and i';

let youngWriter: IntentMatcher | undefined;

/**
 * True when a message reads as written by a child or young person about themselves ("im 15 and my
 * stepdad hits me"), so a safeguarding reply can speak to them rather than to a parent. A parent
 * writing about "my son" or "my daughter" is never read this way.
 */
export function writtenByYoungPerson(words: readonly string[]): boolean {
  youngWriter ??= new IntentMatcher([
    {
      id: 'young-writer',
      patterns: YOUNG_WRITER_PATTERNS.map((p) => ({ match: p.match, unless: p.unless ? `${p.unless} | ${WRITES_AS_A_PARENT}` : WRITES_AS_A_PARENT })),
      examples: [],
    },
  ]);
  return youngWriter.matchRules(words).length > 0;
}
