// Small text helpers for what the UI shows.

/**
 * Makes a message read as a sentence: a capital first letter and a closing full stop. The Rust
 * side's messages are written for the command line too ("wrong passphrase"), so the UI finishes
 * them when it shows them.
 */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return trimmed;
  const capital = trimmed.charAt(0).toLocaleUpperCase() + trimmed.slice(1);
  return /[.!?…)]$/.test(capital) ? capital : `${capital}.`;
}
