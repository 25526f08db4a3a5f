#!/bin/sh
# A worked tour of every memgen command on the paper's two-mode Gaussian
# mixture (d = 64 here so it runs in seconds): data, training (one DAE and a
# set over noise levels), closed forms and theory, sampling and memorization
# ratios, representations, detection, Jacobians and steering. Lines starting
# "why:" explain what was just printed, computed from the run's own outputs.
# Usage: sh scripts/tour.sh [OUT_DIR]   (default out/tour; MEMGEN=path/to/memgen)
set -e
M=${MEMGEN:-build/memgen}
OUT=${1:-out/tour}
mkdir -p "$OUT"
D=${D:-64}
say() { printf '\n== %s\n' "$*"; }
# why: explanations of what was just printed, computed from the run's own files
why() { printf '%s\n' "$@" | sed 's/^/   why: /'; }
# jnum FILE KEY: the first number "KEY": value of a JSON file
jnum() { sed -n "s/.*\"$2\":[[:space:]]*\([-+0-9.eE]*\).*/\1/p" "$1" | head -n 1; }
# fmt X: a number to 3 significant digits
fmt() { awk -v x="$1" 'BEGIN { printf "%.3g", x }'; }
# pct F: a fraction as a percentage, 3 significant digits
pct() { fmt "$(awk -v f="$1" 'BEGIN { print 100 * f }')"; }
# rms FILE: the root-mean-square row norm of an n x d .npy, sqrt(d (std^2 + mean^2)) from memgen info
rms() {
    $M info --json "$1" >"$OUT/.info.json"
    d=$(sed -n '/"shape"/,/]/p' "$OUT/.info.json" | tr -d ' \t\n' | sed 's/.*,\([0-9]*\)].*/\1/')
    awk -v d="$d" -v m="$(jnum "$OUT/.info.json" mean)" -v s="$(jnum "$OUT/.info.json" std)" \
        'BEGIN { printf "%.3g", sqrt(d * (s * s + m * m)) }'
}

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
f=$(jnum "$OUT/memratio_mem.json" frac_memorized); c=$(fmt "$(jnum "$OUT/memratio_mem.json" mean_cos_max)")
rs=$(rms "$OUT/samples_mem.npy"); rx=$(rms "$OUT/mem.npy"); rg=$(rms "$OUT/samples_gen.npy"); rgx=$(rms "$OUT/gen.npy")
cg=$(fmt "$(jnum "$OUT/memratio_gen.json" mean_cos_max)"); rat=$(fmt "$(jnum "$OUT/memratio_gen.json" median_ratio)")
fe=$(jnum "$OUT/memratio_emp.json" frac_memorized); fg=$(jnum "$OUT/memratio_gen.json" frac_memorized)
why "f_emp copies its training rows ($(pct "$fe")% of its samples): Eq. 3 is the memorizing optimum."
awk -v a="$rs" -v b="$rx" -v c="$rg" -v d="$rgx" 'BEGIN { exit !(a < 0.5 * b && c < 0.5 * d) }' && why \
    "The DAE sets' samples sit at a fraction of the data's scale: RMS norm $rs (memorizing set) and $rg" \
    "(generalizing) against $rx and $rgx for their training rows. A bias-free ReLU DAE is positively" \
    "homogeneous, f(c x) = c f(x), and so is DDIM with a set of them: a sample's scale comes from its" \
    "initial noise N(0, 2^2 I), not from the data."
awk -v f="$f" -v rs="$rs" -v rx="$rx" 'BEGIN { exit !(f < 0.5 && rs < 0.5 * rx) }' && why \
    "So the ratio test (a copy is < 1/3 of the way to the second nearest row) finds $(pct "$f")% copies" \
    "for the memorizing set: its samples are scaled copies, pointing along its training rows (mean largest" \
    "cosine $c), which that test does not count. memgen reproduce also measures copies up to scale" \
    "(rows normalised first; Python: memgen.memratio(S, X, upto_scale=True))."
awk -v f="$fg" 'BEGIN { exit !(f < 0.05) }' && why \
    "The generalizing set's samples are not copies (median ratio $rat); their cosine $cg is high too" \
    "because every row of this mixture lies near a mode mean, +-5 e1."

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
# per sample: the alpha where the distance to the target centroid is smallest, that distance, the first
# and last distances; then their means, how many samples are closest strictly inside the sweep, the
# last alpha and the number of alpha steps
awk -F, 'NR > 1 { s = $1; if (!(s in best) || $4 < best[s]) { best[s] = $4; at[s] = $3 }
                  if ($2 == 0) first[s] = $4; last[s] = $4; amax = $3; steps = $2 }
         END { for (s in best) { n++; a += at[s]; b += best[s]; f += first[s]; l += last[s]
                                 if (at[s] > 0 && at[s] < amax) inner++ }
               printf "%d %d %.2f %.2f %.2f %.2f %g %d\n", n, inner, a / n, b / n, f / n, l / n, amax, steps }' \
    "$OUT/steer_gen/curves.csv" >"$OUT/.steer"
read -r n inner astar dmin dfirst dlast amax steps <"$OUT/.steer"
S="$OUT/steer_gen/summary.json"
pl=$(fmt "$(jnum "$S" post_last)")
why "Steering adds a W2 v to the denoiser's output in the final steps, and 'smooth' describes how a" \
    "sample moves, not where to: no single step of a carries more than half of its path (the largest" \
    "carries $(fmt "$(jnum "$S" path_jump)") of it; 1/$steps is an even slide over these $steps steps) and the" \
    "fastest step is under 3 times the slowest (median ratio $(fmt "$(jnum "$S" kink_median)")). It does not say" \
    "that the distance to the target keeps falling."
awk -v a="$astar" -v m="$amax" 'BEGIN { exit !(a < 0.75 * m) }' && why \
    "Here it falls from $dfirst (mean at a = 0) to $dmin at a = $astar (the mean of each sample's closest" \
    "a; $inner of $n samples are closest strictly inside the sweep), then grows to $dlast at a = $amax:" \
    "past that point the offset carries the samples through mode 0 and out the other side, so 'mono'" \
    "(the fraction of steps that bring a sample closer) is only $(fmt "$(jnum "$S" mono)")."
awk -v p="$pl" 'BEGIN { exit !(p >= 0.9) }' && why \
    "The posterior of mode 0 goes from $(fmt "$(jnum "$S" post_first)") to $pl: the samples do reach the target mode;" \
    "alphas up to about $astar (--alphas lin:0:$astar:9) show mostly the approach."
echo
echo "tour: all outputs in $OUT"
