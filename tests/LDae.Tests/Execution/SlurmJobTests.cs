using System.Diagnostics;
using LDae.Harness.Execution;
using LDae.Harness.Execution.Slurm;
using LDae.Harness.Experiments;
using Xunit;

namespace LDae.Tests.Execution;

/// <summary>How a step becomes an sbatch call and a batch script, and how Slurm's answers are read.</summary>
public class SlurmJobTests
{
    static readonly BuildStep Step = new("table3/pca-ddm", StepKind.Row, ["run", "--row", "table3/pca-ddm", "--profile", "ci", "--device", "cpu"], "/r/ci/table3/pca-ddm/.lock") { Threads = 2 };

    [Fact]
    public void The_sbatch_call_asks_for_the_profile_resources_waits_for_dependencies_and_lets_slurm_args_override()
    {
        var options = BuildTestFiles.Options("/r") with
        {
            Executor = "slurm",
            Slurm = new SlurmOptions { Partition = "gpu", ExtraArguments = ["--time=9:00:00", "--qos=long"] },
        };
        var resources = new JobResources { Memory = "3G", Time = "0:30:00" };
        var args = SlurmJob.SbatchArguments(options, Step, resources, ["11", "12"], "/r/ci/slurm/table3/pca-ddm.sh");

        Assert.Contains("--cpus-per-task=2", args); // the row's train.threads when the profile names no cpus
        Assert.Contains("--mem=3G", args);
        Assert.Contains("--partition=gpu", args);
        Assert.Contains("--dependency=afterok:11:12", args);
        Assert.Contains("--kill-on-invalid-dep=yes", args);
        Assert.DoesNotContain(args, a => a.StartsWith("--gres", StringComparison.Ordinal)); // cpu build
        Assert.Equal(SlurmJob.Name("/r", "ci", "table3/pca-ddm"), args.Single(a => a.StartsWith("--job-name=", StringComparison.Ordinal))["--job-name=".Length..]);
        Assert.Equal("--output=" + Path.Combine("/r", "ci", "slurm", "table3", "pca-ddm.%j.log"), args.Single(a => a.StartsWith("--output=", StringComparison.Ordinal)));
        // sbatch takes the last of repeated options: the user's time limit after the profile's.
        Assert.True(args.ToList().IndexOf("--time=9:00:00") > args.ToList().IndexOf("--time=0:30:00"));
        Assert.Equal("/r/ci/slurm/table3/pca-ddm.sh", args[^1]);

        var gpu = SlurmJob.SbatchArguments(options with { Device = "cuda" }, Step, resources with { Cpus = 8, Gpus = 4 }, [], "s.sh");
        Assert.Contains("--gres=gpu:4", gpu);
        Assert.Contains("--cpus-per-task=8", gpu);
        Assert.DoesNotContain(gpu, a => a.StartsWith("--dependency", StringComparison.Ordinal));
    }

    [Fact]
    public void Job_names_tell_apart_results_trees_and_steps()
    {
        Assert.Equal(SlurmJob.Name("/a/results", "ci", "table3/pca-ddm"), SlurmJob.Name("/a/results/", "ci", "table3/pca-ddm"));
        Assert.NotEqual(SlurmJob.Name("/a/results", "ci", "table3/pca-ddm"), SlurmJob.Name("/b/results", "ci", "table3/pca-ddm"));
        Assert.StartsWith("ldae/ci/table3/pca-ddm#", SlurmJob.Name("/a/results", "ci", "table3/pca-ddm"));
    }

    [Fact]
    public void The_batch_script_runs_the_local_build_command_in_the_repository_on_the_same_results_tree()
    {
        if (OperatingSystem.IsWindows()) return; // a bash script for a Linux cluster
        using var dir = new TempTree("job");
        var options = BuildTestFiles.Options(Path.Combine(dir, "it's results")) with { RepoRoot = dir, Cli = "/x/ldae.dll" };
        var script = Path.Combine(dir, "job.sh");
        // A stand-in for dotnet that prints where it runs, its environment and its arguments.
        var fakeDotnet = Path.Combine(dir, "fake dotnet");
        File.WriteAllText(fakeDotnet, "#!/bin/bash\necho \"$PWD|$LDAE_RESULTS|$*\"\n");
        File.SetUnixFileMode(fakeDotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(script, SlurmJob.Script(options, Step, fakeDotnet));

        var run = Process.Start(new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, WorkingDirectory = "/" })!;
        var printed = run.StandardOutput.ReadToEnd().Trim();
        run.WaitForExit();
        Assert.Equal(0, run.ExitCode);
        Assert.Equal($"{dir}|{Path.Combine(dir, "it's results")}|/x/ldae.dll run --row table3/pca-ddm --profile ci --device cpu", printed);
    }

    [Fact]
    public void Slurm_answers_are_parsed_and_job_steps_and_live_states_are_not_taken_for_endings()
    {
        Assert.Equal("42", SlurmClient.ParseSubmitted("42\n"));
        Assert.Equal("42", SlurmClient.ParseSubmitted("42;cluster\n"));
        Assert.Throws<SlurmException>(() => SlurmClient.ParseSubmitted("sbatch: error: Batch job submission failed"));

        var queue = SlurmClient.ParseQueue("7|ldae/ci/table3/pca-ddm#ab|RUNNING|None|0:42\n8|odd|name|PENDING|Dependency|0:00\n");
        Assert.Equal(new QueuedJob("7", "ldae/ci/table3/pca-ddm#ab", "RUNNING", "None", "0:42"), queue[0]);
        Assert.Equal("odd|name", queue[1].Name);

        var ended = SlurmClient.ParseSacct("7|COMPLETED|0:0\n7.batch|COMPLETED|0:0\n8|CANCELLED by 0|0:15\n9|RUNNING|0:0\n", ["7", "8", "9"]);
        Assert.Equal(new JobEnd("COMPLETED", "0:0"), ended["7"]);
        Assert.Equal(new JobEnd("CANCELLED", "0:15"), ended["8"]);
        Assert.False(ended.ContainsKey("9"));

        Assert.Equal(new JobEnd("FAILED", "1:0"), SlurmClient.ParseScontrol("JobId=7 JobName=x UserId=root(0) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=1:0 RunTime=00:00:03"));
        Assert.Null(SlurmClient.ParseScontrol("JobId=7 JobState=PENDING Reason=Dependency"));
    }

    [Fact]
    public void The_ledger_keeps_one_job_per_step_and_forgets_ended_ones()
    {
        using var dir = new TempTree("ledger");
        var ledger = JobLedger.For(dir, "ci");
        Assert.Empty(ledger.Read());
        ledger.Add(new LedgerEntry("table3/pca-ddm", "7", "a.log", DateTimeOffset.UnixEpoch));
        ledger.Add(new LedgerEntry("tokenizer/pca-p8-d4", "6", "b.log", DateTimeOffset.UnixEpoch));
        ledger.Add(new LedgerEntry("table3/pca-ddm", "9", "c.log", DateTimeOffset.UnixEpoch)); // resubmitted
        Assert.Equal(["6", "9"], ledger.Read().Select(e => e.Job).Order());
        ledger.Remove(["6", "9"]);
        Assert.False(File.Exists(ledger.Path));
    }
}
