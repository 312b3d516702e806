import fc from 'fast-check';

/**
 * Property tests run on a fixed seed, so that a test run (and CI) is reproducible; `FC_SEED=N` picks another seed
 * and `FC_SEED=random` a fresh one each run, to explore (the seed is printed with any failure).
 */
const chosen = process.env.FC_SEED;
if (chosen !== 'random') fc.configureGlobal({ seed: chosen === undefined ? 20261129 : Number(chosen) });
