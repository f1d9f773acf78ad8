namespace LDae.Training;

/// <summary>The trainer's state after a step, for a progress display.</summary>
public readonly record struct TrainProgressInfo(
    long Step, long TotalSteps, double Loss, double ImagesPerSecond, TimeSpan Elapsed, TimeSpan? Eta);

/// <summary>Receives progress from <see cref="Trainer"/>: every step, every log line, start and end.</summary>
public interface ITrainProgress
{
    void Start(long startStep, long totalSteps);
    void Step(TrainProgressInfo info);
    void Logged(TrainLogEntry entry);
    void Stop(TrainResult result);
}

/// <summary>Shows nothing (tests, library use).</summary>
public sealed class NullTrainProgress : ITrainProgress
{
    public static readonly NullTrainProgress Instance = new();
    public void Start(long startStep, long totalSteps) { }
    public void Step(TrainProgressInfo info) { }
    public void Logged(TrainLogEntry entry) { }
    public void Stop(TrainResult result) { }
}

/// <summary>
/// A one-line progress bar redrawn with '\r' (at most 4 times a second) on an interactive terminal; when the
/// output is redirected or CI=true, one plain line per log entry instead (a '\r' bar would fill a log file).
/// </summary>
public sealed class ConsoleTrainProgress(TextWriter? output = null, bool? interactive = null) : ITrainProgress
{
    readonly TextWriter output = output ?? Console.Error;
    readonly bool interactive = interactive ?? IsInteractiveTerminal();
    DateTime lastDraw = DateTime.MinValue;
    long total;
    TrainProgressInfo last;

    public static bool IsInteractiveTerminal() =>
        !Console.IsErrorRedirected
        && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public void Start(long startStep, long totalSteps)
    {
        total = totalSteps;
        output.WriteLine(startStep > 0
            ? $"resuming at step {startStep}/{totalSteps}"
            : $"training for {totalSteps} steps");
    }

    public void Step(TrainProgressInfo info)
    {
        last = info;
        if (!interactive) return;
        var now = DateTime.UtcNow;
        if (info.Step < info.TotalSteps && (now - lastDraw).TotalMilliseconds < 250) return;
        lastDraw = now;
        output.Write("\r" + Bar(info).PadRight(Math.Max(0, SafeWidth() - 1)));
    }

    public void Logged(TrainLogEntry e)
    {
        if (interactive) return;
        var parts = string.Concat(e.Parts.Select(p => $" {p.Key} {p.Value:G4}"));
        output.WriteLine($"step {e.Step}/{total} epoch {e.Epoch:F2} lr {e.Lr:G3} loss {e.Loss:G5}{parts} " +
                       $"{e.ImagesPerSecond:F0} img/s elapsed {Clock(TimeSpan.FromSeconds(e.ElapsedSeconds))}" +
                       (last.Eta is TimeSpan eta ? $" ETA {Clock(eta)}" : ""));
    }

    public void Stop(TrainResult r)
    {
        if (interactive) output.WriteLine();
        output.WriteLine($"{(r.Completed ? "done" : "stopped")} at step {r.Steps}/{r.TotalSteps}: loss {r.FinalLoss:G5}, " +
                       $"{r.ImagesSeen} images in {Clock(TimeSpan.FromSeconds(r.WallSeconds))} ({r.ImagesPerSecond:F0} img/s)");
    }

    static string Bar(TrainProgressInfo i)
    {
        const int width = 24;
        double frac = i.TotalSteps > 0 ? (double)i.Step / i.TotalSteps : 0;
        int filled = (int)Math.Round(frac * width);
        return $"{frac * 100,3:F0}% [{new string('#', filled)}{new string('.', width - filled)}] {i.Step}/{i.TotalSteps} " +
               $"loss {i.Loss:G5} {i.ImagesPerSecond:F0} img/s" + (i.Eta is TimeSpan eta ? $" ETA {Clock(eta)}" : "");
    }

    static string Clock(TimeSpan t) => $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}";

    static int SafeWidth()
    {
        try { return Console.WindowWidth > 0 ? Console.WindowWidth : 100; }
        catch (IOException) { return 100; }
    }
}
