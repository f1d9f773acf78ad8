using System.Diagnostics;
using LDae.Harness.Config;
using LDae.Harness.Results;
using LDae.Runtime;
using TorchSharp;

namespace LDae.Rows;

/// <summary>Collects the provenance written into every metrics.json.</summary>
public static class RunProvenance
{
    public static Provenance Capture(string repoRoot, string device, int threads, long seed, DateTimeOffset started) => new()
    {
        GitCommit = Git(repoRoot, "rev-parse HEAD") ?? "unknown",
        // Results are written into the tree by builds, so they do not make it dirty.
        GitDirty = !string.IsNullOrWhiteSpace(Git(repoRoot, "status --porcelain --untracked-files=no -- . :!results") ?? "x"),
        MethodVersion = MethodVersion.Current,
        TorchSharpVersion = typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "unknown",
        LibTorchVersion = torch.__version__,
        Device = device,
        Threads = threads,
        Seed = seed,
        Machine = $"{CpuName.OfThisMachine() ?? "unknown CPU"}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
        Dotnet = Environment.Version.ToString(),
        Blas = device == "cpu" ? MklCodePath.Describe() : null,
        StartedUtc = started,
        FinishedUtc = DateTimeOffset.UtcNow,
    };

    static string? Git(string repoRoot, string args)
    {
        try
        {
            var psi = new ProcessStartInfo("git", args) { WorkingDirectory = repoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 ? output.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}
