import type { KnowledgeBase } from '../knowledge/load';
import { IntentMatcher, type Candidate } from './matcher';
import { normaliseWords, vocabularyOf } from './normalise';
import { Spelling } from './spelling';
import { TopicSimilarity } from './similarity';
import { englishWords } from './englishWords';
import { readRisk, riskVocabulary, suggestsRisk } from './safeguarding';
import { namesAnotherArea, namesAnotherNation, ownAreas } from './councils';

/** What the assistant makes of one message, before any dialog acts on it. */
export type Understanding = Reading & {
  /**
   * Harm to oneself told as long past and over ("used to self-harm years ago, fine now": see
   * `resolvedInThePast`): not a risk now, but worth a line on where to turn if things change.
   */
  pastRisk?: true;
};

type Reading =
  | { kind: 'safeguarding'; confidence: 1 }
  | {
      kind: 'control';
      control: ControlId;
      confidence: number;
      /**
       * The reply (an entry of knowledge/controls.yaml) that says more precisely why this is not
       * answered here, when there is one: "outside-england", "another-council",
       * "who-counts-as-parent". Absent: the control's own reply.
       */
      reply?: ScopeReplyId;
    }
  | { kind: 'answer'; topicId: string; confidence: number; candidates: Candidate[] }
  | { kind: 'clarify'; confidence: number; candidates: Candidate[] }
  | { kind: 'not-understood'; confidence: number };

export type ControlId =
  | 'human' | 'help' | 'restart' | 'cancel' | 'greeting' | 'thanks' | 'goodbye' | 'out-of-scope'
  /** "ok", "got it", "👍": the person has read the answer; not a question, and not unclear. */
  | 'acknowledgement'
  /** "😢", "so upset", "crying": a kind word, not "say it another way". */
  | 'upset'
  /** Nothing to read ("...", "?", an emoji that says nothing): asked what they would like to know. */
  | 'prompt';

/**
 * Questions the curated knowledge must not answer, each with its own reply (knowledge/controls.yaml)
 * saying why and where to go instead. They are out of scope (the label, and every check that keeps
 * out-of-scope messages from a deadline or a flow, stays the same), and they outrank any topic:
 * England's rules must never be given for Wales or Scotland, one council's contacts for another,
 * or a guess about who counts as a parent.
 */
export const SCOPE_REPLIES = ['outside-england', 'another-council', 'who-counts-as-parent', 'plan-after-school'] as const;
export type ScopeReplyId = (typeof SCOPE_REPLIES)[number];

/** What else the understanding may know about a message: the council whose assistant this is. */
export interface UnderstandOptions {
  /** The tenant (knowledge/tenants) the conversation belongs to: another council's name is noticed. */
  tenant?: string;
  /**
   * Read the message as if it named no risk: what else it asks, once the risk has been answered
   * (only for that: every message is checked for risk first).
   */
  besidesRisk?: boolean;
}

/**
 * A message that only acknowledges ("ok", "okay then", "k", "right"): words that an `alone`
 * pattern cannot hold, since it ignores them as courtesy words.
 */
const ACKNOWLEDGING = new Set(['ok', 'okay', 'right', 'alright', 'yes', 'yeah', 'yep', 'oh', 'ah', 'ahh', 'ohh', 'cool', 'fine']);
const COURTESY_AROUND = new Set(['please', 'just', 'now', 'then', 'so', 'i', 'a', 'the', 'thats', 'that', 'is', 'it', 'one', 'sec', 'second']);


/** The thresholds in one place; tuned on the development set, checked on unseen messages. */
export const POLICY = {
  /** Confidence at or above which a topic is answered without asking. */
  answerAt: 0.55,
  /** Least evidence (rule points) worth offering as a choice. */
  offerAt: 1,
  /** A choice is offered only if it has at least this share of the best one's evidence. */
  offerShare: 0.45,
  maxChoices: 3,
  /** Interruptions ("help", "cancel") are only read as such in short messages. */
  interruptionMaxWords: 6,
  /** Rule points that a perfect word-for-word resemblance to a topic's examples is worth. */
  similarityWeight: 3,
  /** Resemblance at which a topic is a candidate even when no rule matched. */
  similarityAlone: 0.35,
  /**
   * A plain request for a person wins over a topic with up to this many times its evidence: "my son
   * was excluded, I want to talk to a real person" asks for a person (DESIGN: controls before topics).
   */
  personOverTopicShare: 0.6,
  /** A follow-up read with the topic just answered ("can I challenge it?") has at most this many words. */
  followUpMaxWords: 12,
  /**
   * Evidence (rule points) the follow-up's own words must add to the topic's title: the title alone
   * points at its topic, so without this any message at all would be read as that topic.
   */
  followUpLift: 1,
  /** Social messages ("thanks") give way to any topic evidence at least this strong. */
  socialGivesWayAt: 2,
} as const;

/**
 * From evidence to a probability-like figure: more evidence, and a clearer lead over the runner-up,
 * both raise it. Shaped so that one telling pattern (weight 4) alone reaches the answer threshold.
 */
export function confidenceOf(best: number, runnerUp: number): number {
  if (best <= 0) return 0;
  const strength = 1 - Math.exp(-best / 3);
  const lead = (best - runnerUp) / best;
  return Math.round(strength * (0.55 + 0.45 * lead) * 1000) / 1000;
}

/** The weight of a place in another nation where the family is: as strong as the other nations' own terms. */
const OTHER_NATION_SCORE = 9;

const INTERRUPTIONS: ControlId[] = ['help', 'restart', 'cancel'];
const SOCIAL: ControlId[] = ['greeting', 'thanks', 'goodbye', 'acknowledgement', 'upset'];

export class Understander {
  private readonly topics: IntentMatcher;
  private readonly controls: IntentMatcher;
  private readonly spelling: Spelling;
  private readonly similarity: TopicSimilarity;
  private readonly knowledge: KnowledgeBase;
  /** Each topic's title ranked on its own, for `followUp`: the same on every call, so worked out once. */
  private readonly titleRanks = new Map<string, Candidate[]>();
  /** Each council's own area names (from its knowledge file), to notice another council's. */
  private readonly areasOf = new Map<string, Set<string>>();

  constructor(knowledge: KnowledgeBase) {
    this.knowledge = knowledge;
    this.topics = new IntentMatcher([...knowledge.topics.values()], knowledge.concepts);
    this.controls = new IntentMatcher([...knowledge.controls.values()], knowledge.concepts);
    this.similarity = new TopicSimilarity(
      [...knowledge.topics.values()].map((t) => ({
        id: t.id,
        texts: [t.question, t.title, ...t.examples].map((text) => normaliseWords(text)),
      })),
    );
    const conceptWords = [...knowledge.concepts.values()].flat().flatMap((w) => vocabularyOf(w));
    this.spelling = new Spelling([...this.topics.vocabulary, ...this.controls.vocabulary, ...conceptWords, ...riskVocabulary()], englishWords());
    for (const tenant of knowledge.tenants.values()) {
      if (tenant.generic) continue;
      const contacts = [tenant.sendiass, tenant.senTeam, tenant.disagreementResolution, tenant.mediation, tenant.sendServices, tenant.childrensServices];
      const names = [tenant.councilName, tenant.areaName, tenant.localOffer.name, tenant.complaints.name, ...contacts.map((c) => c?.name ?? '')];
      this.areasOf.set(tenant.id, ownAreas(names));
    }
  }

  understand(text: string, options: UnderstandOptions = {}): Understanding {
    const raw = normaliseWords(text);
    const words = normaliseWords(text, this.spelling.correct);
    const corrected = words.length !== raw.length || words.some((w, i) => w !== raw[i]);
    let pastRisk = false;
    if (!options.besidesRisk) {
      const risk = readRisk(raw, text);
      if (risk === 'now' || (corrected && suggestsRisk(words, text, this.spelling.correct))) return { kind: 'safeguarding', confidence: 1 };
      pastRisk = risk === 'past';
    }
    const placed = this.place(words, options);
    return pastRisk ? { ...placed, pastRisk: true } : placed;
  }

  /** Everything after the safeguarding check: a person, an interruption, out of scope, social words, a topic. */
  private place(words: readonly string[], options: UnderstandOptions): Understanding {
    const controlScores = new Map(this.controls.matchRules(words).map((c) => [c.id as ControlId, c.score]));
    const topicCandidates = this.rankTopics(words);
    const bestTopic = topicCandidates[0]?.score ?? 0;
    const controlScore = (id: ControlId) => controlScores.get(id) ?? 0;

    if (controlScore('human') > 0 && controlScore('human') >= POLICY.personOverTopicShare * bestTopic) {
      return { kind: 'control', control: 'human', confidence: confidenceOf(controlScore('human'), bestTopic) };
    }
    if (words.length <= POLICY.interruptionMaxWords) {
      const interruption = INTERRUPTIONS.find((id) => controlScore(id) > 0);
      if (interruption) return { kind: 'control', control: interruption, confidence: 0.9 };
    }
    if (words.length === 0) return { kind: 'control', control: 'prompt', confidence: 0.9 };

    const own = options.tenant ? this.areasOf.get(options.tenant) : undefined;
    // Wales, Scotland, Northern Ireland: only where the family, school or council is (councils.ts).
    const scopeScore = (id: ScopeReplyId) =>
      id === 'outside-england' && namesAnotherNation(words) ? Math.max(controlScore(id as ControlId), OTHER_NATION_SCORE) : controlScore(id as ControlId);
    const scope = SCOPE_REPLIES.map((id) => ({ id, score: scopeScore(id) }))
      .filter((c) => c.score > 0)
      .sort((a, b) => b.score - a.score)[0] ?? (own && namesAnotherArea(words, own) ? { id: 'another-council' as const, score: 8 } : undefined);
    if (scope) return { kind: 'control', control: 'out-of-scope', reply: scope.id, confidence: confidenceOf(scope.score, 0) };

    const outOfScope = controlScore('out-of-scope');
    if (outOfScope > 0 && outOfScope >= bestTopic) {
      return { kind: 'control', control: 'out-of-scope', confidence: confidenceOf(outOfScope, bestTopic) };
    }
    if (bestTopic < POLICY.socialGivesWayAt) {
      if (acknowledges(words)) return { kind: 'control', control: 'acknowledgement', confidence: 0.9 };
      const social = SOCIAL.map((id) => ({ id, score: controlScore(id) }))
        .filter((c) => c.score > 0)
        .sort((a, b) => b.score - a.score)[0];
      if (social) return { kind: 'control', control: social.id, confidence: confidenceOf(social.score, bestTopic) };
    }
    return this.decide(topicCandidates);
  }

  /**
   * A short message that leans on the topic just answered ("can I challenge it?", "and the social
   * care bits?"), when it could not be placed on its own: read again with that topic's title. Only
   * that topic, or one its answer leads on to, may come of it, so context never drifts elsewhere.
   */
  followUp(text: string, previousTopicId: string): Understanding | undefined {
    const topic = this.knowledge.topics.get(previousTopicId);
    const words = normaliseWords(text);
    if (!topic || words.length === 0 || words.length > POLICY.followUpMaxWords) return undefined;
    const read = this.understand(`${text} ${topic.title}`);
    if (read.kind !== 'answer' || (read.topicId !== topic.id && !topic.followUps.includes(read.topicId))) return undefined;
    let ranks = this.titleRanks.get(topic.id);
    if (!ranks) {
      ranks = this.rankTopics(normaliseWords(topic.title));
      this.titleRanks.set(topic.id, ranks);
    }
    const titleAlone = ranks.find((c) => c.id === read.topicId)?.score ?? 0;
    const withMessage = read.candidates.find((c) => c.id === read.topicId)?.score ?? 0;
    return withMessage - titleAlone >= POLICY.followUpLift ? read : undefined;
  }

  private rankTopics(words: readonly string[]): Candidate[] {
    const rules = this.topics.matchRules(words);
    const fuzzy = this.topics.matchExamples(words);
    const merged = new Map<string, Candidate>();
    for (const c of rules) merged.set(c.id, { ...c });
    for (const c of fuzzy) {
      const existing = merged.get(c.id);
      if (existing) existing.score += c.score / 2;
      else merged.set(c.id, { ...c });
    }
    for (const { id, similarity } of this.similarity.rank(words).slice(0, 5)) {
      const evidence = POLICY.similarityWeight * similarity;
      const existing = merged.get(id);
      if (existing) existing.score += evidence;
      else if (similarity >= POLICY.similarityAlone) merged.set(id, { id, score: evidence, via: 'fuzzy' });
    }
    return [...merged.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
  }

  private decide(candidates: Candidate[]): Understanding {
    const best = candidates[0];
    if (!best || best.score < POLICY.offerAt) return { kind: 'not-understood', confidence: 0 };
    const confidence = confidenceOf(best.score, candidates[1]?.score ?? 0);
    if (confidence >= POLICY.answerAt) return { kind: 'answer', topicId: best.id, confidence, candidates };
    const choices = candidates
      .filter((c) => c.score >= Math.max(POLICY.offerAt, best.score * POLICY.offerShare))
      .slice(0, POLICY.maxChoices);
    return { kind: 'clarify', confidence, candidates: choices };
  }
}

/** "ok", "okay then", "right ok": only acknowledging words, and at least one of them. */
function acknowledges(words: readonly string[]): boolean {
  return words.some((w) => ACKNOWLEDGING.has(w)) && words.every((w) => ACKNOWLEDGING.has(w) || COURTESY_AROUND.has(w));
}

/**
 * The published label (../shared/eval/topics.json) of a control that has none of its own: an
 * acknowledgement closes like thanks; being upset, or saying nothing, is asked what they need.
 */
const CONTROL_LABELS: Partial<Record<ControlId, string>> = { acknowledgement: 'thanks', upset: 'clarify', prompt: 'clarify' };

/** The single label the evaluation contract asks for. */
export function labelOf(u: Understanding): string {
  switch (u.kind) {
    case 'safeguarding': return 'safeguarding';
    case 'control': return INTERRUPTIONS.includes(u.control) ? 'clarify' : (CONTROL_LABELS[u.control] ?? u.control);
    case 'answer': return u.topicId;
    case 'clarify': return 'clarify';
    case 'not-understood': return 'clarify';
  }
}
