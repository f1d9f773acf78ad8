using System.ComponentModel;
using System.Diagnostics;

namespace LDae.Harness.Execution.Slurm;

/// <summary>A Slurm command that failed: the command line and what it printed.</summary>
public sealed class SlurmException(string message) : Exception(message);

/// <summary>A job as squeue lists it (pending or running).</summary>
public sealed record QueuedJob(string Id, string Name, string State, string Reason, string Elapsed);

/// <summary>How a job ended, as sacct or scontrol report it: "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"…, and "exit:signal".</summary>
public sealed record JobEnd(string State, string ExitCode);

/// <summary>
/// The Slurm commands the executor uses — sbatch, squeue, sacct (or scontrol where there is no accounting
/// database), scancel — run as processes in the build's environment (SLURM_CONF, if set, names the cluster), with
/// their output parsed here.
/// </summary>
public sealed class SlurmClient
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    bool sacctWorks = true;

    /// <summary>True when sbatch is on PATH.</summary>
    public static bool Installed() => (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Any(d => File.Exists(Path.Combine(d, "sbatch")));

    /// <summary>Submits a batch job; returns its id.</summary>
    public string Submit(IReadOnlyList<string> sbatchArguments)
    {
        var (exit, output, error) = Run("sbatch", ["--parsable", .. sbatchArguments]);
        if (exit != 0) throw new SlurmException($"sbatch failed (exit {exit}): {error.Trim()}");
        return ParseSubmitted(output);
    }

    /// <summary>What the last squeue that failed printed on stderr.</summary>
    public string? QueueError { get; private set; }

    /// <summary>This user's pending and running jobs; null when squeue did not answer (then nothing is concluded).</summary>
    public IReadOnlyList<QueuedJob>? Queue()
    {
        var (exit, output, error) = Run("squeue", ["--me", "--noheader", "--format=%i|%j|%T|%r|%M"]);
        QueueError = exit == 0 ? null : $"exit {exit}: {error.Trim()}";
        return exit == 0 ? ParseQueue(output) : null;
    }

    /// <summary>How the given jobs ended, for those the scheduler still knows (sacct; scontrol within MinJobAge).</summary>
    public IReadOnlyDictionary<string, JobEnd> Ended(IReadOnlyCollection<string> ids)
    {
        var ended = new Dictionary<string, JobEnd>();
        if (ids.Count == 0) return ended;
        if (sacctWorks)
        {
            var (exit, output, _) = Run("sacct", ["--noheader", "--parsable2", "--jobs=" + string.Join(",", ids), "--format=JobID,State,ExitCode"]);
            if (exit == 0) return ParseSacct(output, ids);
            sacctWorks = false; // no accounting storage on this cluster: ask slurmctld instead
        }
        foreach (var id in ids)
        {
            var (exit, output, _) = Run("scontrol", ["--oneliner", "show", "job", id]);
            if (exit == 0 && ParseScontrol(output) is { } end) ended[id] = end;
        }
        return ended;
    }

    public void Cancel(IReadOnlyCollection<string> ids)
    {
        if (ids.Count == 0) return;
        var (exit, _, error) = Run("scancel", [.. ids]);
        if (exit != 0) throw new SlurmException($"scancel {string.Join(" ", ids)} failed (exit {exit}): {error.Trim()}");
    }

    /// <summary>sbatch --parsable prints "id" or "id;cluster".</summary>
    public static string ParseSubmitted(string output)
    {
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
        var id = line.Split(';')[0];
        return id.Length > 0 && id.All(char.IsAsciiDigit) ? id : throw new SlurmException($"sbatch printed no job id: '{output.Trim()}'");
    }

    public static IReadOnlyList<QueuedJob> ParseQueue(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('|'))
            .Where(f => f.Length >= 5)
            // The name may itself hold '|': everything between the id and the last three fields.
            .Select(f => new QueuedJob(f[0], string.Join("|", f[1..^3]), f[^3], f[^2], f[^1]))
            .ToList();

    /// <summary>sacct lines "id|STATE|exit:signal" (steps such as "id.batch" skipped; "CANCELLED by 0" → CANCELLED).</summary>
    public static IReadOnlyDictionary<string, JobEnd> ParseSacct(string output, IReadOnlyCollection<string> ids)
    {
        var ended = new Dictionary<string, JobEnd>();
        foreach (var f in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => l.Split('|')))
        {
            if (f.Length < 3 || !ids.Contains(f[0])) continue;
            var state = f[1].Split(' ')[0];
            if (state is "PENDING" or "RUNNING" or "REQUEUED" or "SUSPENDED" or "COMPLETING" or "CONFIGURING") continue;
            ended[f[0]] = new JobEnd(state, f[2]);
        }
        return ended;
    }

    /// <summary>"JobState=FAILED … ExitCode=1:0" from scontrol --oneliner show job; null while the job has not ended.</summary>
    public static JobEnd? ParseScontrol(string output)
    {
        var fields = output.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Select(f => f.Split('=', 2)).Where(kv => kv.Length == 2)
            .GroupBy(kv => kv[0]).ToDictionary(g => g.Key, g => g.First()[1]);
        if (!fields.TryGetValue("JobState", out var state)) return null;
        if (state is "PENDING" or "RUNNING" or "REQUEUED" or "SUSPENDED" or "COMPLETING" or "CONFIGURING") return null;
        return new JobEnd(state, fields.GetValueOrDefault("ExitCode", "?"));
    }

    (int Exit, string Output, string Error) Run(string file, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new SlurmException($"could not start {file}");
        }
        catch (Win32Exception e)
        {
            throw new SlurmException($"{file}: {e.Message} (is Slurm installed and on PATH?)");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill();
                return (-1, "", $"{file} did not answer within {Timeout.TotalSeconds:0} s");
            }
            return (process.ExitCode, output.Result, error.Result);
        }
    }
}
