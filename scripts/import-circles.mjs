// Fails when files under providers/ or procedures/ import each other in a circle (`make check`).
//
// madge follows every import from those folders, type-only imports included (a circle of types
// still ties the files together), through whatever they reach. A circle is reported when one of
// its files is under providers/ or procedures/, so one that leaves through sim/ and comes back
// counts too. Circles wholly inside sim/ (the emulator's model) are not this check's business.
//
// Usage: node scripts/import-circles.mjs
/* global console, process */
import madge from "madge";

const CHECKED = ["providers", "procedures"];

const graph = await madge(CHECKED, { fileExtensions: ["ts"], baseDir: "." });
const circles = graph
  .circular()
  .filter((circle) => circle.some((file) => CHECKED.some((folder) => file.startsWith(`${folder}/`))));

if (circles.length > 0) {
  console.error(
    `import circles under ${CHECKED.join("/ and ")}/ (each file imports the next, the last the first):`,
  );
  for (const circle of circles) console.error(`  ${circle.join(" > ")}`);
  console.error(
    "move what both sides need into a file they both import (providers/membership-types.ts is one)",
  );
  process.exit(1);
}
console.log(`no import circle under ${CHECKED.join("/ and ")}/`);
