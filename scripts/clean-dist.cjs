// Removes the previous build, so that files of deleted modules never ship.
require('node:fs').rmSync(require('node:path').join(__dirname, '..', 'dist'), { recursive: true, force: true });
