// The whole catalog of the adversarial object-model suite: every attack, with the public function (or Export member,
// or ArrayBuffer.prototype guard) it aims at and its family. Ids are unique and stable: the spec groups and reports by
// them, and the child runs a shard of them by position.
import { expressionAttacks } from './expressions.mjs'
import { operationAttacks } from './operations.mjs'
import { otherAttacks } from './others.mjs'

export function catalog() {
  const attacks = [...operationAttacks(), ...otherAttacks(), ...expressionAttacks()]
  const seen = new Set()
  for (const attack of attacks) {
    if (seen.has(attack.id)) throw new Error(`duplicate attack id: ${attack.id}`)
    seen.add(attack.id)
  }
  return attacks
}
