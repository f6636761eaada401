#!/usr/bin/env node
// The nixos-rebuild simulator (see server/apply/simulator/nixos-rebuild-sim.mjs).
import '../server/apply/simulator/nixos-rebuild-sim.mjs';
