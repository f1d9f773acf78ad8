namespace LDae.Harness.Execution;

public enum StepKind { Tokenizer, Row }

/// <summary>
/// One unit of work of a build — a tokenizer artifact or a row — as the one <c>ldae</c> command that makes it.
/// The local and the Slurm executor run exactly this command; only where and when differ.
/// </summary>
/// <param name="Name">The build target, e.g. <c>table3/pca-ddm</c> or <c>tokenizer/pca-p8-d4</c>.</param>
/// <param name="Arguments">The ldae arguments, profile, device and flags included.</param>
/// <param name="LockFile">The run lock the ldae process holds while it works on this target.</param>
public sealed record BuildStep(string Name, StepKind Kind, IReadOnlyList<string> Arguments, string LockFile)
{
    /// <summary>CPUs the step's process uses (the row's train.threads).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Rows: the training log whose last epoch tells the progress, and the epochs that make 100 %.</summary>
    public string? ProgressLog { get; init; }
    public double Epochs { get; init; }
}

public enum StepState
{
    /// <summary>Waiting in a scheduler's queue (for resources or for the steps it depends on).</summary>
    Queued,
    Running,
    /// <summary>Ended with exit code 0.</summary>
    Done,
    Failed,
    /// <summary>Stopped before its end: cancelled, interrupted, or never started because a step it needs failed.</summary>
    Cancelled,
    /// <summary>Still queued or running on the cluster; the build stopped following it.</summary>
    LeftRunning,
    /// <summary>Not started by this build: another process holds the target's run lock.</summary>
    Elsewhere,
    /// <summary>Not started: a step it needs failed or was cancelled.</summary>
    Blocked,
}

/// <summary>A step as far as this build has run it: its state, and where it ran (job id, log).</summary>
public sealed class StepRun(BuildStep step)
{
    public BuildStep Step { get; } = step;
    public StepState State { get; set; } = StepState.Queued;
    /// <summary>The scheduler's job id (Slurm); null for a local process.</summary>
    public string? JobId { get; set; }
    /// <summary>The file holding the step's console output, where there is one (a Slurm job's).</summary>
    public string? Log { get; set; }
    /// <summary>Why it is in its state: "PENDING (Dependency)", "FAILED, exit 1:0", "ldae exited with 1".</summary>
    public string? Detail { get; set; }
    /// <summary>Fraction of pretraining done (0–1), read from the row's log while it runs.</summary>
    public double? Progress { get; set; }
    public string? Elapsed { get; set; }

    public bool Ended => State is not (StepState.Queued or StepState.Running);

    public override string ToString() => $"{Step.Name}: {State}{(JobId is null ? "" : $" (job {JobId})")}";
}

/// <summary>
/// Where a build's steps run: in this machine's processes, one after another (<see cref="LocalExecutor"/>), or as
/// jobs of a Slurm cluster (<see cref="Slurm.SlurmExecutor"/>). The build decides what to run; the executor how.
/// </summary>
public interface IStepExecutor
{
    /// <summary>"local" or "slurm".</summary>
    string Name { get; }

    /// <summary>
    /// Runs a step whose dependencies (<paramref name="after"/>, started before it and not failed) come first:
    /// locally to its end, on a cluster by submitting it.
    /// </summary>
    StepRun Start(BuildStep step, IReadOnlyList<StepRun> after);

    /// <summary>Follows the runs until each has ended or the build was interrupted (then it decides what becomes of them).</summary>
    void Follow(IReadOnlyList<StepRun> runs);
}
