// Server-sent events as a client reads them: chunks of text in, whole events out.

/** Splits a stream of text into events (blocks ended by a blank line). */
export class SseReader {
  #text = '';

  /** The events that `chunk` completes, each as its lines (`data: …`, `event: …`). */
  push(chunk: string): string[] {
    this.#text += chunk;
    const events: string[] = [];
    let end: number;
    while ((end = this.#text.indexOf('\n\n')) >= 0) {
      events.push(this.#text.slice(0, end));
      this.#text = this.#text.slice(end + 2);
    }
    return events;
  }

  /** Whether a partial event is left over. */
  get partial(): boolean {
    return this.#text.length > 0;
  }
}

/** The data of a `data: …` event, or undefined for another kind. */
export function dataOf(event: string): string | undefined {
  return event.startsWith('data: ') ? event.slice(6) : undefined;
}
