// After `typedoc`: every export has a summary and an `@example`; every option (a member of an
// interface named *Options) has `@default` and `@example`; every parameter that may be left
// out says its default. TypeDoc has no such rule of its own.
import { readFileSync } from 'node:fs';

const INTERFACE = 256; // TypeDoc's ReflectionKind.Interface
const api = JSON.parse(readFileSync(new URL('../docs/api/api.json', import.meta.url), 'utf8'));

/** The comment of a reflection, or of its first signature (functions keep it there). */
const commentOf = (reflection) => reflection.comment ?? reflection.signatures?.[0]?.comment;
const hasTag = (comment, tag) => (comment?.blockTags ?? []).some((block) => block.tag === tag);
const textOf = (comment) => (comment?.summary ?? []).map((part) => part.text).join('');

const problems = [];
for (const exported of api.children ?? []) {
  const comment = commentOf(exported);
  if (!textOf(comment)) problems.push(`${exported.name}: no summary`);
  if (!hasTag(comment, '@example')) problems.push(`${exported.name}: no @example`);

  if (exported.kind === INTERFACE && exported.name.endsWith('Options')) {
    for (const option of exported.children ?? []) {
      if (!hasTag(option.comment, '@default')) problems.push(`${exported.name}.${option.name}: no @default`);
      if (!hasTag(option.comment, '@example')) problems.push(`${exported.name}.${option.name}: no @example`);
    }
  }

  for (const signature of exported.signatures ?? []) {
    for (const parameter of signature.parameters ?? []) {
      const optional = parameter.flags?.isOptional || parameter.defaultValue !== undefined;
      if (optional && !/Default/.test(textOf(parameter.comment))) {
        problems.push(`${exported.name}(${parameter.name}): does not say its default`);
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`API docs are missing:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `API docs: ${api.children.length} exports, each with a summary and an @example; every option with its @default.`,
);
