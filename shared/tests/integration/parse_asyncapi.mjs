// Parses an AsyncAPI document with the official parser (external $refs resolved
// relative to the file) and prints one JSON line: valid, errors, counts.
import { Parser, fromFile } from '@asyncapi/parser';

const parser = new Parser();
const { document, diagnostics } = await fromFile(parser, process.argv[2]).parse();
const errors = diagnostics.filter((d) => d.severity === 0);
console.log(JSON.stringify({
  valid: document !== undefined && errors.length === 0,
  errors: errors.map((d) => ({ code: d.code, message: d.message, path: d.path })),
  warnings: diagnostics.filter((d) => d.severity === 1).map((d) => d.message),
  channels: document ? document.channels().length : 0,
  messages: document ? document.messages().length : 0,
}));
