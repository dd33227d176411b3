import { describe, expect, it } from 'vitest';
import { createRedactor, redact } from '../../../src/core/redact';

/** What redaction keeps and removes. Each row: the message, then what is kept. */
const CASES: Array<[string, string, string]> = [
  // Phone numbers
  ['a mobile', 'Please call me on 07700 900123 after 3', 'Please call me on [phone] after 3'],
  ['a mobile without spaces', 'ring 07700900123', 'ring [phone]'],
  ['an international number', 'my number is +44 7700 900123', 'my number is [phone]'],
  ['a landline with brackets', 'call (01332) 641414 please', 'call [phone] please'],
  ['a helpline is kept', 'I rang Childline on 0800 1111', 'I rang Childline on 0800 1111'],
  // Emails and links
  ['an email', 'email me at jo.bloggs+send@example.co.uk', 'email me at [email]'],
  ['a link', 'see https://example.com/my-son-jaden', 'see [link]'],
  // Postcodes and addresses
  ['a postcode', 'we live in DE1 2FS', 'we live in [postcode]'],
  ['a postcode in lower case', 'postcode mk9 3ej', 'postcode [postcode]'],
  ['not a postcode: an ordinal', 'help in Y6 2nd term', 'help in Y6 2nd term'],
  ['a street address', 'we moved to 12 High Street last year', 'we moved to [address] last year'],
  // Dates of birth (other dates are kept: they matter to the question)
  ['a date of birth', 'she was born on 3rd March 2015', 'she was born on [date of birth]'],
  ['DOB', 'DOB 03/04/2016, year 4', 'DOB [date of birth], year 4'],
  ['date of birth is', 'his date of birth is 14/09/2012', 'his date of birth is [date of birth]'],
  ['a letter date is kept', 'the letter is dated 31/12/2025', 'the letter is dated 31/12/2025'],
  // Reference numbers
  ['an NHS number', 'NHS number 485 777 3456', 'NHS number [number]'],
  // Names
  ['my son is called', 'my son is called jack and he is 7', 'my son is called [name] and he is 7'],
  ["my daughter's name is", "my daughter's name is sophie", "my daughter's name is [name]"],
  ['my name is', 'My name is Priya Shah and I need help', 'My name is [name] and I need help'],
  ['a title', 'the SENCo Mrs Brown will not listen', 'the SENCo Mrs [name] will not listen'],
  ['my son + a capitalised name', 'My son Jaden goes to Oakfield', 'My son [name] goes to [name]'],
  ['my son + a name in lower case', 'my son jaden has autism', 'my son [name] has autism'],
  ['my son + an ordinary word is kept', 'my son has autism and my daughter is 6', 'my son has autism and my daughter is 6'],
  ["a name's at the start of a sentence", "Jaden's teacher said no.", "[name]'s teacher said no."],
  ['a first name and surname at the start', 'Sarah Jones is my son\'s teacher', '[name] is my son\'s teacher'],
  ['I am + a capitalised name', "hi, I'm Sarah, my son needs help", "hi, I'm [name], my son needs help"],
  ["I'm + an ordinary word is kept", "I'm worried about the plan", "I'm worried about the plan"],
  // Known terms are kept
  ['SEND terms', 'The SENCo said the EHCP and the Local Offer are with the Tribunal', 'The SENCo said the EHCP and the Local Offer are with the Tribunal'],
  ['days and months', 'We met on Monday 5 January at the school', 'We met on Monday 5 January at the school'],
  ['a question', 'How long do I have to appeal? The council said No.', 'How long do I have to appeal? The council said No.'],
  // Several at once
  ['everything', 'Hi my name is Tom Green, DOB 01/02/2014, tel 07700 900456, tom@example.com, DE22 1AB',
    'Hi my name is [name], DOB [date of birth], tel [phone], [email], [postcode]'],
];

describe('redact', () => {
  it.each(CASES)('%s', (_name, input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('keeps the names a council gives it', () => {
    const withCouncil = createRedactor({ knownTerms: ['Oakfield Academy Trust', 'Prime Resolution'] });
    expect(withCouncil('I went to Oakfield and then Prime Resolution')).toBe('I went to Oakfield and then Prime Resolution');
    expect(redact('I went to Oakfield and then Prime Resolution')).toBe('I went to [name] and then Prime Resolution');
  });

  it('never throws, whatever it is given', () => {
    for (const input of ['', ' ', '🙂🙂', 'a'.repeat(10000), '((((', '[name]', '@@@ 123']) expect(() => redact(input)).not.toThrow();
    expect(redact(undefined as unknown as string)).toBe('');
  });
});
