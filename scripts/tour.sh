#!/bin/sh
# The end-to-end run memgen offers until `memgen reproduce` exists: the paper's
# two regimes on a Gaussian mixture, from data to detection. Outputs in $OUT.
set -e
M=${MEMGEN:-build/memgen}
OUT=${1:-out/e2e}
mkdir -p "$OUT"
D=${D:-64}
# data: the paper's two-mode MoG (means +-5 e1), 2 samples per mode (memorization)
# and 1000 per mode (generalization)
$M data mog --d $D --n-per-mode 2 --seed 1 --out "$OUT/mem.npy" --labels-out "$OUT/mem_labels.npy" --params-out "$OUT/mog.safetensors"
$M data mog --d $D --n-per-mode 1000 --seed 2 --out "$OUT/gen.npy" --labels-out "$OUT/gen_labels.npy"
# train one DAE in each regime (paper App. B.1 optimizer settings, shortened)
$M train --data "$OUT/mem.npy" --hidden 8 --sigma 0.2 --optim rmsprop --lr 1e-3 --wd 1e-2 --steps 20000 --seed 0 --out "$OUT/mem_trained.safetensors"
$M train --data "$OUT/gen.npy" --hidden 8 --sigma 0.2 --optim adam --lr 1e-3 --wd 1e-4 --batch 256 --steps 3000 --seed 0 --out "$OUT/gen_trained.safetensors"
# the closed forms (Theorem 3.1) and their agreement with training
$M solve --data "$OUT/gen.npy" --labels "$OUT/gen_labels.npy" --sigma 0.2 --wd 0 --hidden 8 --out "$OUT/gen_solved.safetensors"
$M compare "$OUT/gen_trained.safetensors" "$OUT/gen_solved.safetensors" --data "$OUT/gen.npy"
$M theory --data "$OUT/gen.npy" --labels "$OUT/gen_labels.npy" --sigma 0.2 --wd 0 --hidden 8 --json "$OUT/theory.json"
# diffusion: closed-form DAE sets over sigma in [0.02, 2], DDIM, memorization ratio
$M solve --data "$OUT/mem.npy" --mode mem --sigmas geom:0.02:2:20 --hidden 8 --out "$OUT/mem_set.safetensors"
$M solve --data "$OUT/gen.npy" --labels "$OUT/gen_labels.npy" --sigmas geom:0.02:2:20 --hidden 8 --out "$OUT/gen_set.safetensors"
$M sample --emp "$OUT/mem.npy" --n 200 --seed 3 --out "$OUT/samples_emp.npy"
$M memratio --samples "$OUT/samples_emp.npy" --train "$OUT/mem.npy" --json "$OUT/memratio_emp.json"
$M sample --model "$OUT/gen_set.safetensors" --n 200 --seed 3 --out "$OUT/samples_gen.npy"
$M memratio --samples "$OUT/samples_gen.npy" --train "$OUT/gen.npy" --json "$OUT/memratio_gen.json"
# memorization detection from spiky representations (Table 1 on memgen models)
$M detect --table1 --json "$OUT/table1.json"
echo "e2e: all outputs in $OUT"
