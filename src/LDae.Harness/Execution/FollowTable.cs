using System.Globalization;

namespace LDae.Harness.Execution;

/// <summary>
/// The live table of a build's cluster jobs: on a terminal redrawn in place at every poll (state, progress read
/// from each row's log, elapsed time); elsewhere one plain, timestamped line whenever a job changes state.
/// </summary>
public sealed class FollowTable(BuildConsole console)
{
    readonly Dictionary<string, string> shown = [];
    int drawn;

    public void Show(IReadOnlyList<StepRun> runs)
    {
        if (console.Ansi) Redraw(Lines(runs));
        else
            foreach (var run in runs)
            {
                var state = Describe(run, withProgress: false);
                if (shown.TryGetValue(run.Step.Name, out var before) && before == state) continue;
                shown[run.Step.Name] = state;
                console.Line($"{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {run.Step.Name}{Job(run)}: {state}");
            }
    }

    /// <summary>Leaves the table on screen as it is; further output goes below it.</summary>
    public void Finish() => drawn = 0;

    /// <summary>One line per run: target, job, state and, for running rows, progress and elapsed time.</summary>
    public static IReadOnlyList<string> Lines(IReadOnlyList<StepRun> runs)
    {
        var width = runs.Count == 0 ? 0 : runs.Max(r => r.Step.Name.Length);
        var jobWidth = runs.Count == 0 ? 0 : runs.Max(r => (r.JobId ?? "").Length);
        return runs.Select(r => $"  {r.Step.Name.PadRight(width)}  job {(r.JobId ?? "-").PadRight(jobWidth)}  {Describe(r, withProgress: true)}").ToList();
    }

    static string Job(StepRun run) => run.JobId is null ? "" : $" (job {run.JobId})";

    static string Describe(StepRun run, bool withProgress)
    {
        var text = run.State switch
        {
            StepState.Queued => "queued" + (run.Detail is { } d ? $" — {d}" : ""),
            StepState.Running => "running",
            StepState.Done => "done",
            StepState.Failed => "FAILED" + (run.Detail is { } d ? $" — {d}" : ""),
            StepState.Cancelled => "cancelled" + (run.Detail is { } d ? $" — {d}" : ""),
            StepState.LeftRunning => "left running",
            _ => run.Detail ?? run.State.ToString(),
        };
        if (withProgress && run.State == StepState.Running)
        {
            if (run.Progress is { } p) text += p >= 1 ? "  probing" : $"  {p * 100,3:0} %";
            if (run.Elapsed is { } e) text += $"  {e}";
        }
        return text;
    }

    void Redraw(IReadOnlyList<string> lines)
    {
        int columns; // lines longer than the terminal would wrap and break the count of lines to redraw
        try { columns = Console.WindowWidth > 20 ? Console.WindowWidth - 1 : int.MaxValue; }
        catch (IOException) { columns = int.MaxValue; }
        var text = new System.Text.StringBuilder();
        if (drawn > 0) text.Append($"\u001b[{drawn}F\u001b[J"); // back to the table's first line, clear below
        foreach (var line in lines) text.Append(line.Length > columns ? line[..columns] : line).Append('\n');
        lock (console.Output)
        {
            console.Output.Write(text.ToString());
            console.Output.Flush();
        }
        drawn = lines.Count;
    }
}
