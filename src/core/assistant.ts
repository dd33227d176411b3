import { loadKnowledge, type KnowledgeBase } from './knowledge/load';
import { ReplyComposer } from './replies';
import { Understander } from './understanding/understand';

/** The framework-free heart of the assistant: what it knows, how it reads, how it answers. */
export interface AssistantCore {
  knowledge: KnowledgeBase;
  understander: Understander;
  replies: ReplyComposer;
}

export function createAssistantCore(knowledgeDir?: string): AssistantCore {
  const knowledge = loadKnowledge(knowledgeDir);
  return { knowledge, understander: new Understander(knowledge), replies: new ReplyComposer(knowledge) };
}
