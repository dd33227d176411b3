import { describe, expect, it } from 'vitest';
import { CALLS_UNSAFE_HOURS, callsUnsafe, contactHint, isBareContact, lastDigits, readBestTime, readContact, readName, readRefusal, saysCallsUnsafe, saysThisNumber } from '../../../src/core/handoff/callback';
import { seededRandom as random } from '../../helpers/random';

describe('readName', () => {
  it.each([
    ['Sam', 'Sam'],
    ['  Sam  ', 'Sam'],
    ['Mary-Jane O\'Neil', 'Mary-Jane O\'Neil'],
    ['Siobhán Ó Súilleabháin', 'Siobhán Ó Súilleabháin'],
    ['D’Arcy', 'D’Arcy'],
    ['J. R. Smith', 'J. R. Smith'],
    ['Dr. Amara Okafor', 'Dr. Amara Okafor'],
    ['Jo\t\tBloggs', 'Jo Bloggs'],
    ['Jo\nBloggs', 'Jo Bloggs'],
    ['محمد علي', 'محمد علي'],
    ['דוד כהן', 'דוד כהן'],
    ['王小明', '王小明'],
    ['Zoë', 'Zoë'],
    ['Zoe\u0308', 'Zoë'], // combining diaeresis, normalised
    ['A', 'A'],
    ['\u202Eevil\u202C', 'evil'], // direction overrides dropped
    ['a'.repeat(80), 'a'.repeat(80)],
  ])('%j is the name %j', (input, value) => {
    expect(readName(input)).toEqual({ ok: true, value });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['\u0000\u0007', 'empty'],
    ['\u200B', 'empty'],
    ['a'.repeat(81), 'too-long'],
    ['Sam '.repeat(30), 'too-long'],
    ['12345', 'not-a-name'],
    ['07700 900123', 'not-a-name'],
    ['Sam2', 'not-a-name'],
    ['sam@example.com', 'not-a-name'],
    ['https://example.com', 'not-a-name'],
    ['www.example.com', 'not-a-name'],
    ['example.co.uk', 'not-a-name'],
    ['<b>Sam</b>', 'not-a-name'],
    ['<script>alert(1)</script>', 'not-a-name'],
    ['Sam &amp; Jo', 'not-a-name'],
    ['Sam 😀', 'not-a-name'],
    ['...', 'not-a-name'],
    ["'Sam'", 'not-a-name'],
    ['-', 'not-a-name'],
    ['Sam, Jo', 'not-a-name'],
    ['\uD800Sam', 'Sam'],
  ])('%j: %s', (input, problem) => {
    if (problem === 'Sam') expect(readName(input)).toEqual({ ok: true, value: 'Sam' });
    else expect(readName(input)).toEqual({ ok: false, problem });
  });
});

describe('readContact: UK phone numbers become E.164', () => {
  it.each([
    ['07700 900123', '+447700900123'],
    ['07700900123', '+447700900123'],
    ['+44 7700 900123', '+447700900123'],
    ['+447700900123', '+447700900123'],
    ['+44 (0)7700 900123', '+447700900123'],
    ['0044 7700 900123', '+447700900123'],
    ['447700900123', '+447700900123'],
    ['(01332) 641414', '+441332641414'],
    ['01332 641414', '+441332641414'],
    ['01908-254518', '+441908254518'],
    ['01905.768153', '+441905768153'],
    ['020 7946 0018', '+442079460018'],
    ['0300 123 4567', '+443001234567'],
    ['0808 808 3555', '+448088083555'],
    ['016977 3456', '+44169773456'], // a nine-digit area number
    ['tel:+441332641414', '+441332641414'],
    ['  07700 900123  ', '+447700900123'],
    ['my mobile is 07700 900123 thanks', '+447700900123'],
    ['call (01332) 641414 after 3', '+441332641414'],
    ['<a href="tel:07700900123">me</a>', '+447700900123'], // markup around it: only the number is kept
  ])('%j → %s', (input, value) => {
    expect(readContact(input)).toEqual({ ok: true, kind: 'phone', value });
  });

  it.each([
    ['0770 090 012', 'phone-wrong-length'],
    ['077009001234', 'phone-wrong-length'],
    ['+44 7700 90012', 'phone-wrong-length'],
    ['7700 900123', 'phone-wrong-length'],
    ['12345', 'phone-wrong-length'],
    ['+1 202 555 0123', 'phone-not-uk'],
    ['+353 1 234 5678', 'phone-not-uk'],
    ['00353 1 234 5678', 'phone-not-uk'],
    ['0909 879 0000', 'phone-not-uk'], // premium rate
    ['07700 900123 or 01332 641414', 'not-a-phone-or-email'],
    ['phone me', 'not-a-phone-or-email'],
  ])('%j: %s', (input, problem) => {
    expect(readContact(input)).toEqual({ ok: false, problem });
  });
});

describe('readContact: email addresses, domain in lower case', () => {
  it.each([
    ['jo@example.com', 'jo@example.com'],
    ['Jo.Bloggs@Example.CO.UK', 'Jo.Bloggs@example.co.uk'],
    ['  jo+send@example.org. ', 'jo+send@example.org'],
    ['mailto:jo@example.com', 'jo@example.com'],
    ['<jo@example.com>', 'jo@example.com'],
    ["o'neil@example.ie", "o'neil@example.ie"],
    ['Jo Bloggs <jo@example.com>', 'jo@example.com'],
    ['email me at jo@example.com please', 'jo@example.com'],
    ['jo@sub.example-mail.com', 'jo@sub.example-mail.com'],
    ['zoë@exämple.com', 'zoë@exämple.com'],
  ])('%j → %s', (input, value) => {
    expect(readContact(input)).toEqual({ ok: true, kind: 'email', value });
  });

  it.each([
    ['jo@', 'email-invalid'],
    ['@example.com', 'email-invalid'],
    ['jo@example', 'email-invalid'],
    ['jo@@example.com', 'email-invalid'],
    ['jo@exa mple.com', 'email-invalid'],
    ['jo..bloggs@example.com', 'email-invalid'],
    ['.jo@example.com', 'email-invalid'],
    ['jo@-example.com', 'email-invalid'],
    ['jo@example.c', 'email-invalid'],
    ['<b>jo</b>@example.com', 'email-invalid'],
    ['jo@example.com, sam@example.com', 'not-a-phone-or-email'],
    [`${'a'.repeat(65)}@example.com`, 'email-invalid'],
    [`jo@${'a'.repeat(250)}.com`, 'too-long'],
    ['', 'empty'],
    ['   \n\t ', 'empty'],
  ])('%j: %s', (input, problem) => {
    expect(readContact(input)).toEqual({ ok: false, problem });
  });
});

describe('readBestTime', () => {
  it.each([
    ['weekday mornings', 'weekday mornings'],
    ['  after 3pm\n(school run before)  ', 'after 3pm (school run before)'],
    ['any', 'Any time'],
    ['Anytime', 'Any time'],
    ['any time', 'Any time'],
    ['Whenever', 'Any time'],
    ["don’t mind", 'Any time'],
    ['بعد الظهر', 'بعد الظهر'],
    ['mornings 🙂', 'mornings 🙂'],
    ['<b>mornings</b>', '<b>mornings</b>'], // kept as text; shown as text
    ['a\u0000b\u0007c\u001Bd', 'a b c d'],
    ['x'.repeat(120), 'x'.repeat(120)],
  ])('%j → %j', (input, value) => {
    expect(readBestTime(input)).toEqual({ ok: true, value });
  });

  it.each([
    ['', 'empty'],
    [' \u0000 ', 'empty'],
    ['x'.repeat(121), 'too-long'],
  ])('%j: %s', (input, problem) => {
    expect(readBestTime(input)).toEqual({ ok: false, problem });
  });
});


const PIECES = [
  'Sam', ' ', '-', "'", '.', '@', 'example.com', '+44', '07700 900123', '(', ')', '0', '7', '😀', '👨‍👩‍👧', '\uD83D', '\uDE00',
  '<script>', '</b>', '&amp;', 'محمد', 'שלום', '\u202E', '\u200F', '\u0000', '\u0007', '\n', '\r\n', '\t', '\u2028', '\uFEFF',
  'Ω', 'ß', 'e\u0301', '٣', '１２３', 'http://', 'www.', '"', '\\', '%', '${x}', '{{name}}', 'mailto:', 'tel:', 'any time',
];

function oddInputs(): unknown[] {
  const next = random(20260101);
  const inputs: unknown[] = [
    '', ' ', 'x'.repeat(100_000), '😀'.repeat(50_000), '\uD800'.repeat(1000), '\uDC00\uD800', '<'.repeat(100_000),
    `${'0'.repeat(50_000)}@${'a'.repeat(50_000)}.com`, '+44'.repeat(30_000), ' '.repeat(100_000), '\u0000'.repeat(10_000),
    'مرحبا بالعالم'.repeat(5000), '\u202Eevil.com', '<img src=x onerror=alert(1)>', undefined, null, 42, {}, [], true,
    Symbol('s'), () => 'x',
  ];
  for (let i = 0; i < 1500; i++) {
    const length = Math.floor(next() * 40);
    let text = '';
    for (let j = 0; j < length; j++) text += PIECES[Math.floor(next() * PIECES.length)];
    inputs.push(text);
  }
  return inputs;
}

const hasLoneSurrogate = (text: string) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
// eslint-disable-next-line no-control-regex
const hasControl = (text: string) => /[\u0000-\u001F\u007F-\u009F]/.test(text);

describe('nothing throws, and what is accepted is clean (property-style)', () => {
  const inputs = oddInputs();

  it('readName', () => {
    for (const input of inputs) {
      const result = readName(input);
      if (result.ok) {
        expect(Array.from(result.value).length).toBeGreaterThan(0);
        expect(Array.from(result.value).length).toBeLessThanOrEqual(80);
        expect(result.value).toBe(result.value.trim());
        expect(hasLoneSurrogate(result.value) || hasControl(result.value)).toBe(false);
        expect(result.value).toMatch(/^[\p{L}\p{M}][\p{L}\p{M} '’.\-‐]*$/u);
      } else {
        expect(['empty', 'too-long', 'not-a-name']).toContain(result.problem);
      }
    }
  });

  it('readContact', () => {
    for (const input of inputs) {
      const result = readContact(input);
      if (result.ok) {
        if (result.kind === 'phone') expect(result.value).toMatch(/^\+44[123578]\d{8,9}$/);
        else {
          expect(result.value.split('@')).toHaveLength(2);
          expect(result.value.split('@')[1]).toBe(result.value.split('@')[1]!.toLowerCase());
          expect(result.value.length).toBeLessThanOrEqual(254);
        }
        expect(hasLoneSurrogate(result.value) || hasControl(result.value) || /[\s<>]/.test(result.value)).toBe(false);
      } else {
        expect(['empty', 'too-long', 'not-a-phone-or-email', 'phone-wrong-length', 'phone-not-uk', 'email-invalid']).toContain(result.problem);
      }
    }
  });

  it('readBestTime', () => {
    for (const input of inputs) {
      const result = readBestTime(input);
      if (result.ok) {
        expect(Array.from(result.value).length).toBeGreaterThan(0);
        expect(Array.from(result.value).length).toBeLessThanOrEqual(120);
        expect(hasLoneSurrogate(result.value) || hasControl(result.value)).toBe(false);
      } else {
        expect(['empty', 'too-long']).toContain(result.problem);
      }
    }
  });

  it('is quick on 100 KB', () => {
    const started = performance.now();
    for (const input of ['x'.repeat(100_000), '0 '.repeat(50_000), '+'.repeat(100_000), 'a@'.repeat(50_000), '\uD800a'.repeat(50_000)]) {
      readName(input);
      readContact(input);
      readBestTime(input);
    }
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('saysThisNumber: "use the number I am texting from"', () => {
  it.each([
    'this number', 'This number.', 'this one', 'this 1', 'same number', 'same', 'SAME', 'the same one', 'same as this',
    'the number im texting from', "the number I'm texting from", 'the number I’m texting from', 'number i am texting on',
    'the one im using', 'this number im texting from', 'use this one please', 'yes this number', 'call me on this number',
    'ring this number', 'this number is fine', 'text me here', 'my number', 'my mobile', 'you have it', "you've got my number",
    'the number you have', 'the number this message is from', 'this phone',
  ])('"%s" means the number being texted from', (text) => {
    expect(saysThisNumber(text)).toBe(true);
  });

  it.each([
    '07700 900123', 'this number 07700 900123', 'jo@example.com', 'same as jo@example.com', '', '   ', 'no', 'yes', 'phone',
    'number', 'call me', 'hello? is anyone there', 'i dont have a number', 'same as before', 'not this number',
    'this number is wrong', 'my number is', 'email me', 'this number'.repeat(20), 42, undefined, null,
  ])('%j does not', (text) => {
    expect(saysThisNumber(text)).toBe(false);
  });
});

describe('lastDigits', () => {
  it.each([
    ['+447700900123', '123'],
    ['07700 900 456', '456'],
    ['12', ''],
    ['', ''],
  ])('%s → %s', (phone, digits) => {
    expect(lastDigits(phone)).toBe(digits);
  });
});

describe('readName: names of every culture, not sentences', () => {
  it.each([
    ["Sarah-Jane O'Neill", "Sarah-Jane O'Neill"],
    ['Nguyễn Thị Lan', 'Nguyễn Thị Lan'],
    ['Nguyen Thi My Linh', 'Nguyen Thi My Linh'],
    ['To Thi Lan', 'To Thi Lan'],
    ['Do Van An', 'Do Van An'],
    ['He Wei', 'He Wei'],
    ['Im Ji-hoon', 'Im Ji-hoon'],
    ['Mo', 'Mo'],
    ['Will', 'Will'],
    ['Hope', 'Hope'],
    ['Muhammad bin Abdullah Al-Saud', 'Muhammad bin Abdullah Al-Saud'],
    ['María de los Ángeles García López', 'María de los Ángeles García López'],
    ['Sam and Jo', 'Sam and Jo'],
    ['my name is Mo', 'Mo'],
    ["it's Jo please", 'Jo'],
    ['Jo thanks', 'Jo'],
    ['Hi, I am Priya', 'Priya'],
    ['call me Kemi', 'Kemi'],
    ['im jo', 'jo'],
  ])('%j is the name %j', (input, value) => {
    expect(readName(input)).toEqual({ ok: true, value });
  });

  it.each([
    'no thanks i dont want anyone calling the house',
    'i am not sure what you want me to put here',
    'what do you need it for',
    'my son is at school',
    'not telling',
    'no',
    'yes',
    'anonymous',
    'call me back',
    'one two three four five six seven eight nine',
  ])('%j is not a name', (input) => {
    expect(readName(input)).toEqual({ ok: false, problem: 'not-a-name' });
  });
});

describe('readRefusal', () => {
  it.each([
    ['no', 'no'],
    ['No.', 'no'],
    ['nope', 'no'],
    ['no thanks', 'no'],
    ['No thank you', 'no'],
    ['never mind', 'no'],
    ['i dont want anyone calling', 'no'],
    ["I don't want a call back", 'no'],
    ["don't ring", 'no'],
    ['please dont call me', 'no'],
    ["I'd rather not", 'no'],
    ['rather not say', 'no'],
    ['i dont want to give my number', 'no'],
    ['not safe', 'worried'],
    ["it's not safe", 'worried'],
    ["they'll hear", 'worried'],
    ['he might find out', 'worried'],
    ['my stepdad will see', 'worried'],
    ['he reads my texts', 'worried'],
    ["don't ring the house", 'worried'],
    ['no thanks i dont want anyone calling the house', 'worried'],
    ['im scared', 'worried'],
  ] as const)('%j → %s', (input, refusal) => {
    expect(readRefusal(input)).toBe(refusal);
  });

  it.each([
    'Jo', 'Mo', 'Nora', 'Noah', "Sarah-Jane O'Neill", 'not telling', 'any time', 'weekday mornings', 'after 3pm',
    "don't ring before 10", 'dont call on mondays', 'dont call me after school', 'call the home number', 'they know my number',
    'my husband might answer', "I'm afraid I work until 5", 'no 07700 900123', "don't call, email jo@example.com", '', 'x'.repeat(1000),
  ])('%j is an answer, not a refusal', (input) => {
    expect(readRefusal(input)).toBeUndefined();
  });

  it('never throws, whatever it is given', () => {
    for (const odd of [undefined, null, 42, {}, [], '\uD800', '😀'.repeat(500), 'no '.repeat(100)]) expect(() => readRefusal(odd)).not.toThrow();
    expect(readRefusal('no '.repeat(100))).toBeUndefined(); // too long to be sure
  });
});

describe('contactHint: what looks wrong, never the answer', () => {
  it.each([
    ['sj@@example', { kind: 'email', issue: 'two-at' }],
    ['a@b@c@d.com', { kind: 'email', issue: 'several-at' }],
    ['@example.com', { kind: 'email', issue: 'nothing-before-at' }],
    ['sj@', { kind: 'email', issue: 'nothing-after-at' }],
    ['sj@example', { kind: 'email', issue: 'no-dot' }],
    ['sj @example.com', { kind: 'email', issue: 'space' }],
    ['12345', { kind: 'phone', digits: 5 }],
    ['0770 090', { kind: 'phone', digits: 7 }],
    ['not telling', undefined],
    ['a@b.com c@d.com', undefined],
    ['', undefined],
  ] as const)('%j → %j', (input, hint) => {
    expect(contactHint(input)).toEqual(hint);
  });
});

describe('isBareContact: only a number or address on its own', () => {
  it.each([
    ['sj@example.com', true],
    ['07700 900123', true],
    ['+44 7700 900123.', true],
    ['sj@@example', false],
    ['my email is sj@example.com', false],
    ['is 0300 123 4567 the number?', false],
    ['what is mediation?', false],
    ['', false],
  ] as const)('%j → %s', (input, bare) => {
    expect(isBareContact(input)).toBe(bare);
  });
});

describe('callsUnsafe', () => {
  const said = '2026-11-23T21:00:00.000Z';
  const hoursLater = (h: number) => new Date(Date.parse(said) + h * 60 * 60 * 1000);
  it.each([
    [undefined, 0, false],
    ['not a time', 0, false],
    [said, 0, true],
    [said, CALLS_UNSAFE_HOURS - 0.01, true],
    [said, CALLS_UNSAFE_HOURS, false],
    [said, -1, true], // a clock that runs backwards keeps it safe
  ] as const)('said at %s, %s hours later → %s', (since, hours, unsafe) => {
    expect(callsUnsafe(since, hoursLater(hours))).toBe(unsafe);
  });
});

describe('saysCallsUnsafe', () => {
  it.each([
    'my partner hits me, please dont ring the house',
    "he's hurting her. don't call me, he checks my phone",
    'my stepdad will hear if you ring',
    "she'll find out I told you",
    'he goes through my texts every night',
    'i cant talk now he is in the next room',
    'Please do not call me. My 14 year old said he wants to die',
    'nobody can phone our house, he listens to everything',
  ])('%s → calls are not safe', (text) => {
    expect(saysCallsUnsafe(text)).toBe(true);
  });

  it.each([
    'my son said he wants to kill himself',
    'I am scared for my daughter, she is not safe at school',
    "please don't ring before 10, I'm on nights",
    'dont call me at work',
    'call the home number',
    "she'll see the GP tomorrow",
    'I cant talk to the school any more',
    'i cant speak english well',
    'he will hear back from the council next week',
    '',
  ])('%s → nothing about calls', (text) => {
    expect(saysCallsUnsafe(text)).toBe(false);
  });

  it('copes with anything', () => {
    for (const odd of [undefined, null, 42, {}, [], '\uD800', '😀'.repeat(500), 'x'.repeat(20000)]) expect(() => saysCallsUnsafe(odd)).not.toThrow();
  });
});
