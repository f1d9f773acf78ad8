using LDae.Harness.Summary;

namespace LDae.Harness.Execution;

/// <summary>
/// The build's elapsed and estimated remaining time (<see cref="BuildClock"/>): the estimate is asked for once, when
/// the first step starts, and after each step that ended a line says where the build stands. Without an estimate
/// (the ci profile, or <c>ldae estimate</c> failed) it is silent.
/// </summary>
public sealed class BuildTimer(BuildConsole console, Func<BuildEstimate?>? estimateSource)
{
    readonly Dictionary<StepRun, DateTimeOffset> startTimes = [];
    BuildClock? clock;
    bool asked;

    /// <summary>Called as a step is about to start: the first time, asks for the estimate and starts the clock.</summary>
    public void BeforeFirstStart()
    {
        if (asked) return;
        asked = true;
        if (estimateSource?.Invoke() is { } estimate) clock = new BuildClock(estimate, DateTimeOffset.UtcNow);
    }

    public void Started(StepRun run, DateTimeOffset at) => startTimes[run] = at;

    /// <summary>A target that took no time (up to date, built, not needed).</summary>
    public void Skipped(string target) => clock?.Finished(target, 0);

    /// <summary>After a step ended: its wall time counts, and the whole build's elapsed and remaining time is printed.</summary>
    public void Ended(StepRun run)
    {
        if (clock is null) return;
        var now = DateTimeOffset.UtcNow;
        clock.Finished(run.Step.Name, startTimes.TryGetValue(run, out var at) ? (now - at).TotalSeconds : 0);
        console.Line(clock.Line(now), Tone.Faint);
    }
}
