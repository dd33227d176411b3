import { describe, expect, it } from 'vitest';
import { normalise } from '../../src/core/understanding/normalise';

describe('normalise', () => {
  it.each([
    ['How do I appeal to SENDIST?', 'how do i appeal to tribunal'],
    ['the First-tier Tribunal', 'the tribunal'],
    ['FTT', 'tribunal'],
    ['EHC plan', 'ehcp'],
    ['Education, Health and Care Plan', 'ehcp'],
    ['EHCP', 'ehcp'],
    ['EHC needs assessment', 'ehcna'],
    ['the LA said no', 'the council said no'],
    ['local authority', 'council'],
    ['CCG', 'icb'],
    ['Integrated Care Board', 'icb'],
    ['SENCo', 'senco'],
    ['SEN co-ordinator', 'senco'],
    ['SENDIAS', 'sendiass'],
    ['wot r my rights pls', 'what are my rights please'],
    ['can u help', 'can you help'],
    ['can some1 help', 'can someone help'],
    ['i want 2 appeal', 'i want to appeal'],
    ['within 2 months', 'within 2 months'],
    ["don't", 'do not'],
    ['tribual', 'tribunal'],
    ['mediaton certifcate', 'mediation certificate'],
    ['my son', 'my child'],
    ['  lots   of\tspace ', 'lots of space'],
    ['Ça va?', 'ça va'],
    // ages written short are ages; durations and greetings are left alone
    ['my 14yo daughter', 'my 14 year old child'],
    ['my 13y/o son', 'my 13 year old child'],
    ['she is 15 yo', 'she is 15 year old'],
    ['in 2 yrs time', 'in 2 years time'],
    ['yo whats up', 'yo what is up'],
    ['can somebody help', 'can someone help'],
    // emoji and text faces that say something alone become the word they stand for; runs say it once
    ['👍', 'ok'],
    ['👍🏽', 'ok'],
    ['😢', 'sad'],
    ['😭😭😭', 'sad'],
    [':(', 'sad'],
    ['thanks :)', 'thanks ok'],
    ['🙏', 'thanks'],
    ['😡', 'angry'],
    ['🎉🦄', ''],
    // swearing and masked swearing only say how someone feels: dropped
    ['this council is a f***ing joke', 'this council is a joke'],
    ['FFS what a sh*t service', 'what a service'],
    ['mediat* and appeal*', 'mediat* and appeal*'],
    // SMS spellings
    ['k', 'ok'],
    ['hlo', 'hello'],
    ['my dauter', 'my child'],
    ['wen i must apeal', 'when i must appeal'],
    ['how long i have for apel', 'how long i have for appeal'],
  ])('%j → %j', (input, expected) => {
    expect(normalise(input)).toBe(expected);
  });

  it.each([
    ['empty', ''],
    ['emoji only', '😀😀😀'],
    ['HTML', '<script>alert(1)</script>'],
    ['other scripts', 'مرحبا 你好 Привет'],
    ['100 KB', 'appeal '.repeat(15_000)],
    ['control characters', '\u0000\u0007\u001b[31m'],
    ['lone surrogate', '\ud800abc'],
  ])('never throws on %s', (_name, input) => {
    expect(() => normalise(input)).not.toThrow();
    expect(typeof normalise(input)).toBe('string');
  });

  it('keeps only letters and digits from hostile markup', () => {
    expect(normalise('<img src=x onerror=alert(1)>')).toBe('img src x onerror alert 1');
  });
});
