using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LDae.Harness.Experiments;

namespace LDae.Harness.Execution.Slurm;

/// <summary>
/// How a build step becomes a Slurm batch job: its name, its script (the ldae command of the local build) and
/// the sbatch options (resources from the profile, the dependencies, then the user's --slurm-args).
/// </summary>
public static class SlurmJob
{
    /// <summary>
    /// <c>ldae/&lt;profile&gt;/&lt;target&gt;#&lt;hash&gt;</c>: the hash is of the results tree, so two checkouts (or a test
    /// and a user's build) never take each other's jobs for their own. A queued job with this name means the
    /// step is already submitted.
    /// </summary>
    public static string Name(string resultsRoot, string profile, string step) =>
        $"ldae/{profile}/{step}#{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.TrimEndingDirectorySeparator(Path.GetFullPath(resultsRoot)))))[..8]}";

    /// <summary>The folder of a profile's job scripts, logs and ledger.</summary>
    public static string Folder(string resultsRoot, string profile) => Path.Combine(resultsRoot, profile, "slurm");

    /// <summary>The job's output file; <c>%j</c> is Slurm's placeholder for the job id.</summary>
    public static string LogPattern(string resultsRoot, string profile, string step) =>
        Path.Combine(Folder(resultsRoot, profile), step.Replace('/', Path.DirectorySeparatorChar) + ".%j.log");

    public static string ScriptPath(string resultsRoot, string profile, string step) =>
        Path.Combine(Folder(resultsRoot, profile), step.Replace('/', Path.DirectorySeparatorChar) + ".sh");

    /// <summary>The batch script: the same ldae command a local build runs, in the repository, on the same results tree.</summary>
    public static string Script(BuildOptions options, BuildStep step, string dotnet) =>
        $"""
        #!/bin/bash
        # {step.Name} at profile {options.Profile}, submitted by ./build.sh --executor=slurm: the command a local build runs.
        cd {Quote(options.RepoRoot)} || exit 1
        export {Repo.ResultsVariable}={Quote(options.ResultsRoot)}
        exec {string.Join(" ", new[] { dotnet, options.Cli }.Concat(step.Arguments).Select(Quote))}

        """;

    /// <summary>The sbatch options, the script path last. Later options win in sbatch, so --slurm-args override the profile's.</summary>
    public static IReadOnlyList<string> SbatchArguments(BuildOptions options, BuildStep step, JobResources resources,
        IEnumerable<string> afterJobs, string script)
    {
        var args = new List<string>
        {
            "--job-name=" + Name(options.ResultsRoot, options.Profile, step.Name),
            "--output=" + LogPattern(options.ResultsRoot, options.Profile, step.Name),
            "--chdir=" + options.RepoRoot,
            "--nodes=1",
            "--ntasks=1",
            "--cpus-per-task=" + (resources.Cpus ?? step.Threads).ToString(CultureInfo.InvariantCulture),
        };
        if (resources.Memory is { } memory) args.Add("--mem=" + memory);
        if (resources.Time is { } time) args.Add("--time=" + time);
        if (options.Device == "cuda") args.Add("--gres=gpu:" + resources.Gpus.ToString(CultureInfo.InvariantCulture));
        if (options.Slurm.Partition is { } partition) args.Add("--partition=" + partition);
        var after = afterJobs.ToList();
        if (after.Count > 0)
        {
            // A failed dependency cancels the job instead of leaving it pending forever.
            args.Add("--dependency=afterok:" + string.Join(":", after));
            args.Add("--kill-on-invalid-dep=yes");
        }
        args.AddRange(options.Slurm.ExtraArguments);
        args.Add(script);
        return args;
    }

    /// <summary>A word for bash in single quotes.</summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''") + "'";
}
