/**
 * The password of a `user:password@host` login, with or without a scheme (`ssh://user:secret@host`,
 * `root:secret@jump`), as `***`: driftspec refuses passwords in addresses, and the message that
 * refuses one must not show it on a terminal or in a CI log. Every error the CLI writes passes here.
 */
export function redactCredentials(text: string): string {
  // The password runs to the last "@" of the word: a password may itself hold "@" or ":".
  return text.replace(/((?:^|[\s'"(,=])(?:[a-z][a-z0-9+.-]*:\/\/)?[^\s:/@'"(,=]*):(?!\/\/)[^\s'"]*@/gi, '$1:***@');
}
