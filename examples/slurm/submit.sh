#!/bin/bash
# Queue the kernel's job array (NTK_TASKS jobs, default 4), then the merge, which runs only after
# every job of the array has succeeded (--dependency=afterok). Prints the two job ids.
#
#   NTK_ARGS="--samples 100000 --input-dim 784 --width 2048" NTK_TASKS=16 bash examples/slurm/submit.sh
#
# The variables the scripts read (NTK_CLI, NTK_ARGS, NTK_BLOCKS, NTK_KERNEL) reach the jobs with
# the rest of this environment (sbatch's default --export=ALL).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tasks=${NTK_TASKS:-4}
array=$(sbatch --parsable --array="0-$((tasks - 1))" "$here/ntk-array.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterok:$array" "$here/merge.sbatch")
merge=${merge%%;*}
echo "$array $merge"
