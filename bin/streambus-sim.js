#!/usr/bin/env node
require("../dist/sim/cli.js");
