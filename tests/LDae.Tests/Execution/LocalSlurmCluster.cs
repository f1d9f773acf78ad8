using System.Diagnostics;
using LDae.Harness;
using Xunit;

namespace LDae.Tests.Execution;

/// <summary>
/// A real single-node Slurm cluster for one test class, started by scripts/slurm/start-local-cluster.sh (Debian's
/// slurm-wlm and munge, as root; .ci/run installs them where it can) and stopped when the class is done. Its
/// SLURM_CONF is set for this process, so sbatch/squeue/scancel — the executor's and the tests' — talk to it.
/// </summary>
public sealed class LocalSlurmCluster : IDisposable
{
    static readonly string[] Tools = ["munged", "slurmctld", "slurmd", "sinfo", "sbatch", "squeue", "scontrol", "scancel"];

    /// <summary>Why the cluster cannot be started on this machine (the Slurm tests are then skipped), or null.</summary>
    public static string? Unavailable { get; } = Check();

    readonly string? stateDir;

    public LocalSlurmCluster()
    {
        if (Unavailable is not null) return;
        stateDir = Path.Combine(Path.GetTempPath(), "ldae-slurm-" + Guid.NewGuid().ToString("N")[..8]);
        var (exit, output) = Script("start-local-cluster.sh", stateDir);
        var conf = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("SLURM_CONF=", StringComparison.Ordinal));
        if (exit != 0 || conf is null)
            throw new InvalidOperationException($"Slurm is installed but the test cluster did not start (exit {exit}):\n{output}");
        Environment.SetEnvironmentVariable("SLURM_CONF", conf["SLURM_CONF=".Length..]);
    }

    public void Dispose()
    {
        if (stateDir is null) return;
        Script("stop-local-cluster.sh", stateDir);
        Environment.SetEnvironmentVariable("SLURM_CONF", null);
    }

    static string? Check()
    {
        if (!OperatingSystem.IsLinux()) return "the Slurm tests need Linux";
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "") + ":/usr/sbin:/sbin";
        var missing = Tools.Where(t => !path.Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, t)))).ToList();
        if (missing.Count > 0)
            return $"Slurm is not installed here (missing {string.Join(", ", missing)}): install Debian's slurm-wlm and munge (.ci/run does so as root) to run the Slurm executor's tests";
        if (Environment.UserName != "root") return "the test cluster's slurmd must run as root; run the Slurm executor's tests as root";
        return null;
    }

    static (int Exit, string Output) Script(string name, string stateDir)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(Repo.Root(), "scripts", "slurm", name), stateDir])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") + ":/usr/sbin:/sbin";
        using var p = Process.Start(start)!;
        var error = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + error.Result);
    }
}

/// <summary>A test that needs <see cref="LocalSlurmCluster"/>: skipped, saying why, where one cannot be started.</summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        if (LocalSlurmCluster.Unavailable is { } why) Skip = why;
    }
}
