/** The hand-off to human advisers: the framework-free parts (hours, call-back answers, waits, summary, words). */
export * from './hours';
export * from './callback';
export * from './wait';
export * from './summary';
export * from './messages';
export * from './queueNotice';
