/**
 * Tests use the built library, exactly as users import it: the hash workers load from dist/, and
 * error classes are the same objects the CLI throws. `npm test` builds first.
 */
export * from "../../dist/index.js";
