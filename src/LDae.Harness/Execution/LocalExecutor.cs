namespace LDae.Harness.Execution;

/// <summary>
/// Runs each step as an ldae process on this machine, one after another, in the build's terminal. On 2 cores two
/// rows at once would only slow each other down, so there is no parallelism here; a cluster gives that.
/// </summary>
public sealed class LocalExecutor(BuildOptions options, BuildConsole console, Interrupt interrupt) : IStepExecutor
{
    public string Name => "local";

    public StepRun Start(BuildStep step, IReadOnlyList<StepRun> after)
    {
        var run = new StepRun(step) { State = StepState.Running };
        console.Line($"{step.Name}: running", Tone.Strong);
        var exit = ChildProcess.Run(DotnetHost.Path, [options.Cli, .. step.Arguments], options.RepoRoot, interrupt, options.ChildEnvironment);
        (run.State, run.Detail) = exit == 0 ? (StepState.Done, null)
            : interrupt.Signal is { } signal ? (StepState.Cancelled, $"stopped by {signal}")
            : (StepState.Failed, $"ldae exited with code {exit} (its output is above)");
        return run;
    }

    /// <summary>Nothing to follow: every local step ended inside <see cref="Start"/>.</summary>
    public void Follow(IReadOnlyList<StepRun> runs) { }
}
