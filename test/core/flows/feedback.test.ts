import { describe, expect, it } from 'vitest';
import {
  FEEDBACK_EVERY, emptyFeedbackMemory, markFeedbackAsked, readFeedback, shouldAskFeedback, stopFeedback,
} from '../../../src/core/flows/feedback';

describe('when to ask "Did this help?"', () => {
  it('asks after the first answer, then not again until a few answers later, and once per subject', () => {
    const memory = emptyFeedbackMemory();
    const asked: string[] = [];
    const subjects = ['mediation', 'appeal-deadline', 'complaint', 'sendiass', 'mediation', 'appeal-how', 'exclusion', 'first-steps'];
    for (const subject of subjects) {
      if (shouldAskFeedback(memory, subject)) {
        markFeedbackAsked(memory, subject);
        asked.push(subject);
      }
    }
    expect(asked).toEqual(['mediation', 'sendiass', 'exclusion']);
    expect(FEEDBACK_EVERY).toBe(3);
  });

  it('never asks about the same subject twice', () => {
    const memory = emptyFeedbackMemory();
    markFeedbackAsked(memory, 'mediation');
    for (let i = 0; i < 10; i++) expect(shouldAskFeedback(memory, 'mediation')).toBe(false);
    expect(shouldAskFeedback(memory, 'complaint')).toBe(true);
  });

  it('never asks again after safeguarding', () => {
    const memory = emptyFeedbackMemory();
    markFeedbackAsked(memory, 'mediation');
    stopFeedback(memory);
    expect(memory.pending).toBeUndefined();
    for (let i = 0; i < 10; i++) expect(shouldAskFeedback(memory, `topic-${i}`)).toBe(false);
  });
});

describe('reading an answer to "Did this help?"', () => {
  it.each([
    ['yes', { helpful: true }],
    ['Yes!', { helpful: true }],
    ['y', { helpful: true }],
    ['yeah thanks', { helpful: true }],
    ['it did, thank you', { helpful: true }],
    ['very helpful', { helpful: true }],
    ['👍', { helpful: true }],
    ['no', { helpful: false }],
    ['N', { helpful: false }],
    ['nope', { helpful: false }],
    ['not really', { helpful: false }],
    ["no it didn't", { helpful: false }],
    ['not helpful', { helpful: false }],
    ['no, it was too long', { helpful: false, comment: 'it was too long' }],
    ["not really, I wanted to know about transport", { helpful: false, comment: 'I wanted to know about transport' }],
    ['yes but what about the certificate', { helpful: true, comment: 'but what about the certificate' }],
    ['how long do I have to appeal?', undefined],
    ['mediation', undefined],
    ['', undefined],
  ])('%j', (text, expected) => {
    expect(readFeedback(text)).toEqual(expected);
  });
});
