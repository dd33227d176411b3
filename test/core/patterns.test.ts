import { describe, expect, it } from 'vitest';
import { normaliseWords } from '../../src/core/understanding/normalise';
import { compilePattern, patternMatches, PatternSyntaxError } from '../../src/core/understanding/patterns';

const matches = (match: string, text: string, unless?: string) =>
  patternMatches(compilePattern({ match, unless }, 'test'), normaliseWords(text));

describe('patterns', () => {
  it.each([
    ['appeal & (deadline | time limit | how long)', 'How long do I have to appeal?', true],
    ['appeal & (deadline | time limit | how long)', 'How do I appeal?', false],
    ['mediat*', 'Is a mediator independent?', true],
    ['mediat*', 'meditation classes', true], // the normaliser reads the common misspelling as mediation
    ['EHC plan', 'my son has an EHCP', true],
    ['kill (myself | himself)', 'he said he would kill himself', true],
    ['kill (myself | himself)', 'kill time', false],
    ['end (my | his) (life | own life)', 'he wants to end his own life', true],
    ['time limit', 'limit time', false],
    ['put (me | us)? through', 'can you put me through', true],
    ['put (me | us)? through', 'please put through to someone', true],
    ['put (me | us)? through', 'put them through', false],
  ])('%s on %j → %s', (match, text, expected) => {
    expect(matches(match, text)).toBe(expected);
  });

  it('"unless" cancels a match', () => {
    expect(matches('complaint', 'I am not happy with the complaint outcome', 'outcome | response')).toBe(false);
    expect(matches('complaint', 'how do I make a complaint')).toBe(true);
  });

  it.each(['appeal & (deadline', 'appeal)', 'a | | b', 'med*ation'])('rejects bad syntax %j', (match) => {
    expect(() => compilePattern({ match }, 'file.yaml: patterns.0')).toThrow(PatternSyntaxError);
  });
});

describe('"alone" patterns: the whole message, courtesy words aside', () => {
  const alone = (match: string, text: string) =>
    patternMatches(compilePattern({ match, alone: true }, 'test'), normaliseWords(text));

  it.each([
    ['agent | live agent', 'Agent', true],
    ['agent | live agent', 'agent please!!', true],
    ['agent | live agent', 'just an agent now', true],
    ['agent | live agent', 'live agent pls', true],
    ['agent | live agent', 'the agent said no', false],
    ['agent | live agent', 'agent agent', false],
    ['agent | live agent', 'live', false],
    ['stop | stop it', 'STOP.', true],
    ['stop | stop it', 'ok stop it then', true],
    ['stop | stop it', 'do not stop', false],
    ['stop | stop it', 'stop his support', false],
    ['mediat*', 'mediator', true],
  ])('%s on %j → %s', (match, text, expected) => {
    expect(alone(match, text)).toBe(expected);
  });

  it.each([
    [{ match: 'agent & person', alone: true }, '"&" clauses'],
    [{ match: 'agent', unless: 'estate', alone: true }, '"unless" has nothing to cancel'],
    [{ match: 'agent | please', alone: true }, 'courtesy words only'],
  ])('refuses %j, naming the place', (spec, problem) => {
    expect(() => compilePattern(spec, 'controls.yaml: human: patterns.12')).toThrow(/controls\.yaml: human: patterns\.12/);
    expect(() => compilePattern(spec, 'controls.yaml: human: patterns.12')).toThrow(problem);
  });
});
