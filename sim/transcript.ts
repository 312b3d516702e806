/** The transcript types live in core, since the kernel adapter produces the same shape. */
export { entryOutput, formatEntry, type CheckKind, type CommandCheck, type OutputChunk, type TranscriptEntry } from '../core/transcript.ts';
