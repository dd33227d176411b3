import { normaliseWords } from '../src/core/understanding/normalise';
for (const t of ['agent pls', 'Stop!', 'please stop', 'can I speak to an agent', 'end chat', "I'm done", 'stop it now', 'STOP.', 'person plz']) console.log(t, '→', normaliseWords(t));
