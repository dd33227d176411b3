import { loadKnowledge } from '../src/core/knowledge/load';
import { labelOf, Understander } from '../src/core/understanding/understand';

/** Reads `{"id","text",…}` lines and prints `{"id","predicted","confidence"}` for each. */
export async function evalIntents(lines: AsyncIterable<string> | string[], out: (line: string) => void): Promise<void> {
  const understander = new Understander(loadKnowledge());
  for await (const line of lines) {
    if (!line.trim()) continue;
    let item: { id?: unknown; text?: unknown; tenant?: unknown };
    try {
      item = JSON.parse(line) as { id?: unknown; text?: unknown; tenant?: unknown };
    } catch {
      out(JSON.stringify({ id: null, error: 'not valid JSON' }));
      continue;
    }
    // The council, when a line names one, as the assistant would know it from the page or number.
    const tenant = typeof item.tenant === 'string' ? item.tenant : undefined;
    const understanding = understander.understand(typeof item.text === 'string' ? item.text : '', tenant ? { tenant } : {});
    out(JSON.stringify({ id: item.id ?? null, predicted: labelOf(understanding), confidence: understanding.confidence }));
  }
}
