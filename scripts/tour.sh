#!/bin/sh
# A worked tour of every memgen command on the paper's two-mode Gaussian
# mixture (d = 64 here so it runs in seconds): data, training (one DAE and a
# set over noise levels), closed forms and theory, sampling and memorization
# ratios, representations, detection, Jacobians and steering.
# Usage: sh scripts/tour.sh [OUT_DIR]   (default out/tour; MEMGEN=path/to/memgen)
set -e
M=${MEMGEN:-build/memgen}
OUT=${1:-out/tour}
mkdir -p "$OUT"
D=${D:-64}
say() { printf '\n== %s\n' "$*"; }

say "data: 2 samples per mode (memorization regime), 1000 per mode (generalization regime)"
# one mixture (same seed); the first m samples of a mode do not depend on n
$M data mog --d $D --n-per-mode 2 --seed 1 --out "$OUT/mem.npy" --labels-out "$OUT/mem_labels.npy" --params-out "$OUT/mog.safetensors"
$M data mog --d $D --n-per-mode 1000 --seed 1 --out "$OUT/gen.npy" --labels-out "$OUT/gen_labels.npy"
$M data mog --d $D --n-per-mode 200,0 --weights 1,1 --seed 1 --out "$OUT/target.npy"   # target concept: mode 0 (modes count from 0)
$M info "$OUT/gen.npy"

say "train: one DAE per regime at sigma = 0.2 (App. B.1 optimizers, shortened)"
$M train --data "$OUT/mem.npy" --hidden 8 --sigma 0.2 --optim rmsprop --lr 1e-3 --weight-decay 1e-2 --steps 20000 --seed 0 --out "$OUT/mem_dae.safetensors"
$M train --data "$OUT/gen.npy" --hidden 8 --sigma 0.2 --optim adam --lr 1e-3 --weight-decay 1e-4 --batch 256 --steps 3000 --seed 0 --log "$OUT/gen_log.csv" --out "$OUT/gen_dae.safetensors"

say "train --sigmas: DAE sets over the VE grid sigma in [0.02, 2] (App. B.1)"
$M train --data "$OUT/mem.npy" --hidden 8 --optim rmsprop --lr 1e-3 --weight-decay 1e-2 --steps 10000 --sigmas geom:0.02:2:11 --out "$OUT/mem_set.safetensors"
$M train --data "$OUT/gen.npy" --hidden 8 --optim adam --lr 1e-3 --weight-decay 1e-4 --batch 256 --steps 1500 --sigmas geom:0.02:2:11 --out "$OUT/gen_set.safetensors"

say "solve / theory / compare: the closed forms (Theorem 3.1) and their agreement with training"
$M solve --data "$OUT/gen.npy" --labels "$OUT/gen_labels.npy" --sigma 0.2 --lambda 0 --hidden 8 --out "$OUT/gen_solved.safetensors"
$M theory --data "$OUT/gen.npy" --labels "$OUT/gen_labels.npy" --sigma 0.2 --lambda 0 --hidden 8 --json "$OUT/theory.json"
$M compare "$OUT/gen_dae.safetensors" "$OUT/gen_solved.safetensors" --data "$OUT/gen.npy"
$M solve --data "$OUT/gen.npy" --labels "$OUT/gen_labels.npy" --sigmas geom:0.02:2:20 --hidden 8 --out "$OUT/gen_solved_set.safetensors"

say "sample + memratio: DDIM with f_emp (Eq. 3) and with the trained sets"
$M sample --emp "$OUT/mem.npy" --n 200 --seed 3 --out "$OUT/samples_emp.npy"
$M memratio --samples "$OUT/samples_emp.npy" --train "$OUT/mem.npy" --json "$OUT/memratio_emp.json"
$M sample --model "$OUT/mem_set.safetensors" --n 200 --seed 3 --out "$OUT/samples_mem.npy"
$M memratio --samples "$OUT/samples_mem.npy" --train "$OUT/mem.npy" --json "$OUT/memratio_mem.json"
$M sample --model "$OUT/gen_set.safetensors" --n 200 --seed 3 --out "$OUT/samples_gen.npy"
$M memratio --samples "$OUT/samples_gen.npy" --train "$OUT/gen.npy" --json "$OUT/memratio_gen.json"

say "repr: spiky (memorizing) vs balanced (generalizing) representations"
$M repr --model "$OUT/mem_dae.safetensors" --data "$OUT/mem.npy" --sigma 0.2 --json "$OUT/repr_mem.json"
$M repr --model "$OUT/gen_dae.safetensors" --data "$OUT/gen.npy" --sigma 0.2 --json "$OUT/repr_gen.json"

say "jacobian: low rank around memorized data (App. A.3)"
$M jacobian --model "$OUT/mem_dae.safetensors" --data "$OUT/mem.npy" --train "$OUT/mem.npy" --json "$OUT/jac_mem.json"
$M jacobian --model "$OUT/gen_dae.safetensors" --data "$OUT/target.npy" --train "$OUT/gen.npy" --json "$OUT/jac_gen.json"

say "detect: Algorithm 1 and the Table 1 comparison on memgen models"
$M detect --table1 --json "$OUT/table1.json"

say "steer: representation steering (Eq. 11) toward mode 0"
$M steer --model "$OUT/gen_set.safetensors" --target "$OUT/target.npy" --mog "$OUT/mog.safetensors" --target-mode 0 --alphas lin:0:2:9 --n 16 --out "$OUT/steer_gen"
echo
echo "tour: all outputs in $OUT"
