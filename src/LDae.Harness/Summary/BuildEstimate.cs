using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LDae.Harness.Summary;

/// <summary>What a build target would do when the build reaches it.</summary>
public enum TargetStatus
{
    /// <summary>It would run: its time counts in <see cref="BuildEstimate.ToRunSeconds"/>.</summary>
    ToRun,
    /// <summary>Its result (or artifact) exists with the same configuration: skipped in milliseconds.</summary>
    UpToDate,
    /// <summary>Another target of the build has the same configuration and runs it (same_as).</summary>
    SameAs,
    /// <summary>The row needs a part of the method that does not exist yet (not counted).</summary>
    Unavailable,
}

/// <summary>One part of a target's work: FLOPs and the rate this machine reaches on that kind of work.</summary>
/// <param name="Work">What is computed, e.g. "pretrain 9,750 steps × 256 images".</param>
/// <param name="Flops">FLOPs counted for the part (each kind's convention: see the calibration that measured it).</param>
/// <param name="Gflops">Achieved GFLOP/s of this kind of work on this machine (measured, at the machine's best matmul rate).</param>
public sealed record WorkEstimate(string Work, double Flops, double Gflops)
{
    public double Seconds => Gflops > 0 ? Flops / (Gflops * 1e9) : 0;
}

/// <summary>One build target (a row or a tokenizer artifact) and its estimated time on this machine.</summary>
public sealed record TargetEstimate(string Target, TargetStatus Status, IReadOnlyList<WorkEstimate> Parts)
{
    /// <summary>The row whose run this one reuses (SameAs), or why it cannot run (Unavailable).</summary>
    public string? Note { get; init; }
    public double Seconds => Parts.Sum(p => p.Seconds);
    public double Flops => Parts.Sum(p => p.Flops);
}

/// <summary>
/// The estimated time of a build (one target with everything it depends on, at one profile) on this machine, before
/// it runs: per target the FLOPs of its work and the throughput this machine measured for each kind of work
/// (<c>ldae estimate</c> measures it in a few timed steps per kind and caches it per machine). Written by
/// <c>ldae estimate --json</c>; the build reads it (<see cref="Load"/>) to print the estimate (<c>--estimate</c>) and
/// the running build's elapsed / remaining time (<see cref="BuildClock"/>).
/// </summary>
public sealed record BuildEstimate
{
    public required string Target { get; init; }
    public required string Profile { get; init; }
    /// <summary>The machine the throughputs were measured on (CPU model, threads).</summary>
    public required string Machine { get; init; }
    /// <summary>Best 2048² fp32 matmul GFLOP/s measured on it: every kind of work is scaled to this quiet-machine rate.</summary>
    public required double MatmulGflops { get; init; }
    /// <summary>In build order: tokenizer artifacts before the rows that use them.</summary>
    public required IReadOnlyList<TargetEstimate> Targets { get; init; }

    /// <summary>The whole target from scratch (every row and artifact, each configuration once).</summary>
    public double TotalSeconds => Targets.Where(t => t.Status is TargetStatus.ToRun or TargetStatus.UpToDate).Sum(t => t.Seconds);
    /// <summary>What a build would run now (results that exist are skipped).</summary>
    public double ToRunSeconds => Targets.Where(t => t.Status == TargetStatus.ToRun).Sum(t => t.Seconds);

    public TargetEstimate? Find(string target) => Targets.FirstOrDefault(t => t.Target == target);

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    public static BuildEstimate FromJson(string json, string source) =>
        JsonSerializer.Deserialize<BuildEstimate>(json, Json) ?? throw new InvalidDataException($"{source}: not a build estimate");

    public static BuildEstimate Load(string path) => FromJson(File.ReadAllText(path), path);

    /// <summary>Per target its estimate and status, then the totals.</summary>
    public string ToTable()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Estimate for {Target} at profile {Profile} on {Machine} (matmul {MatmulGflops.ToString("0", CultureInfo.InvariantCulture)} GFLOP/s):");
        int w = Math.Max(20, Targets.Max(t => t.Target.Length));
        foreach (var t in Targets)
        {
            string status = t.Status switch
            {
                TargetStatus.ToRun => "to run",
                TargetStatus.UpToDate => "up to date",
                TargetStatus.SameAs => $"same as {t.Note}",
                _ => t.Note ?? "unavailable",
            };
            string time = t.Status is TargetStatus.ToRun or TargetStatus.UpToDate ? Duration(t.Seconds) : "—";
            sb.Append("  ").Append(t.Target.PadRight(w)).Append("  ").Append(time.PadLeft(9)).Append("  ").Append(status);
            if (t.Status is TargetStatus.ToRun or TargetStatus.UpToDate && t.Parts.Count > 0)
                sb.Append("  (").Append(string.Join("; ", t.Parts.Select(p => $"{p.Work}: {Duration(p.Seconds)}"))).Append(')');
            sb.AppendLine();
        }
        sb.AppendLine($"  total from scratch: {Duration(TotalSeconds)}; still to run: {Duration(ToRunSeconds)}");
        return sb.ToString();
    }

    /// <summary>"3 h 05 min", "12 min 40 s", "8.2 s".</summary>
    public static string Duration(double seconds)
    {
        if (!double.IsFinite(seconds)) return "?";
        if (seconds < 60) return seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        if (t.TotalHours >= 1) return $"{(int)t.TotalHours} h {t.Minutes:00} min";
        return $"{t.Minutes} min {t.Seconds:00} s";
    }
}

/// <summary>
/// The running build's elapsed and estimated remaining time for the whole build: the estimates of the targets not
/// finished yet, scaled by how the finished ones compared with their estimates (on a busy machine everything runs
/// slower by about the same factor).
/// </summary>
public sealed class BuildClock(BuildEstimate estimate, DateTimeOffset started)
{
    readonly Dictionary<string, double> actual = new(StringComparer.Ordinal);
    readonly HashSet<string> finished = new(StringComparer.Ordinal);

    /// <summary>A target finished (ran, was up to date, reused, or failed) after <paramref name="seconds"/> of wall time.</summary>
    public void Finished(string target, double seconds)
    {
        finished.Add(target);
        if (estimate.Find(target) is { Status: TargetStatus.ToRun, Seconds: > 0 } && seconds > 1) actual[target] = seconds;
    }

    /// <summary>Actual over estimated time of the targets that ran so far (1 before any ran).</summary>
    public double Pace
    {
        get
        {
            double estimated = actual.Keys.Sum(t => estimate.Find(t)!.Seconds);
            return estimated > 0 ? actual.Values.Sum() / estimated : 1;
        }
    }

    public double RemainingSeconds => Pace * estimate.Targets
        .Where(t => t.Status == TargetStatus.ToRun && !finished.Contains(t.Target)).Sum(t => t.Seconds);

    /// <summary>One line for the build log, e.g. "elapsed 1 h 02 min, estimated remaining 5 h 10 min (12 of 41 targets done)".</summary>
    public string Line(DateTimeOffset now)
    {
        int total = estimate.Targets.Count(t => t.Status != TargetStatus.Unavailable);
        int done = estimate.Targets.Count(t => t.Status != TargetStatus.Unavailable && finished.Contains(t.Target));
        string pace = actual.Count > 0 ? $", running at {Pace.ToString("0.00", CultureInfo.InvariantCulture)}× the estimate" : "";
        return $"elapsed {BuildEstimate.Duration((now - started).TotalSeconds)}, estimated remaining {BuildEstimate.Duration(RemainingSeconds)} " +
               $"({done} of {total} targets done{pace})";
    }
}
