using System.Diagnostics;
using LDae.Harness.Execution;
using LDae.Harness.Execution.Slurm;
using LDae.Harness.Results;
using LDae.Harness.Summary;
using Xunit;

namespace LDae.Tests.Execution;

/// <summary>
/// The Slurm executor against a real cluster (<see cref="LocalSlurmCluster"/>) building real ci rows: the same
/// numbers as a local build, the tokenizer job first, no double submission, a killed job resubmitted by the next
/// build, and --no-wait collected by a later report build.
/// </summary>
public class SlurmBuildTests(LocalSlurmCluster cluster) : IClassFixture<LocalSlurmCluster>
{
    readonly LocalSlurmCluster cluster = cluster;

    sealed record Build(BuildDriver Driver, StringWriter Output, List<int> Exits);

    static Build Driver(string results, string target, string executor = "slurm", bool wait = true)
    {
        var output = new StringWriter();
        var exits = new List<int>();
        var options = BuildTestFiles.Options(results, target, executor, wait);
        return new Build(BuildDriver.Create(options, BuildConsole.Plain(output), new Interrupt(), exits.Add), output, exits);
    }

    /// <summary>What Cake does: each row's tokenizer, then the row; then the end of the build.</summary>
    static BuildSummary Run(Build build, params string[] rows)
    {
        foreach (var row in rows)
        {
            foreach (var dependency in build.Driver.Plan.First(t => t.Name == row).DependsOn) build.Driver.Tokenizer(dependency, requested: false);
            build.Driver.Row(row, requested: rows.Length == 1);
        }
        return build.Driver.Finish();
    }

    [SlurmFact]
    public void A_slurm_build_runs_the_tokenizer_job_first_and_its_results_equal_a_local_build()
    {
        const string row = "table4/l-dae-base"; // the final l-DAE at base size: a PCA tokenizer, a short training
        using var local = new TempTree("local");
        using var onSlurm = new TempTree("slurm");
        var localBuild = Driver(local, row, executor: "local");
        Run(localBuild, row);
        Assert.Empty(localBuild.Exits);

        var slurmBuild = Driver(onSlurm, row);
        var summary = Run(slurmBuild, row);
        Assert.True(slurmBuild.Exits.Count == 0, slurmBuild.Output.ToString());
        Assert.Equal(RowStatus.Ran, Assert.Single(summary.Rows).Outcome.Status);
        var tokenizer = slurmBuild.Driver.Started.Single(r => r.Step.Kind == StepKind.Tokenizer);
        var job = slurmBuild.Driver.Started.Single(r => r.Step.Kind == StepKind.Row);
        Assert.All(new[] { tokenizer, job }, r => Assert.Equal(StepState.Done, r.State));
        // afterok: the row's job started only once the tokenizer's job had ended.
        Assert.True(Time(job.JobId!, "StartTime") >= Time(tokenizer.JobId!, "EndTime"), slurmBuild.Output.ToString());
        Assert.True(File.Exists(job.Log), $"no job log {job.Log}");

        var a = new ResultStore(local).TryLoad("ci", row)!;
        var b = new ResultStore(onSlurm).TryLoad("ci", row)!;
        Assert.Equal((a.ConfigHash, a.Tokenizer, a.ProbeTop1, a.KnnTop1, a.FinalLoss, a.PretrainSteps), (b.ConfigHash, b.Tokenizer, b.ProbeTop1, b.KnnTop1, b.FinalLoss, b.PretrainSteps));
        // the same BLAS code path, or the weights differ in float rounding (MKL's AVX2 and AVX-512 kernels)
        Assert.Equal(a.Provenance.Blas, b.Provenance.Blas);
        Assert.Equal(File.ReadAllBytes(Path.Combine(new ResultStore(local).Row("ci", row).Dir, "weights.bin")),
                     File.ReadAllBytes(Path.Combine(new ResultStore(onSlurm).Row("ci", row).Dir, "weights.bin")));

        // Up to date now: the next build submits nothing.
        var again = Driver(onSlurm, row);
        Run(again, row);
        Assert.Empty(again.Driver.Started);
        Assert.Contains($"{row}: up to date", again.Output.ToString());
    }

    [SlurmFact]
    public void A_killed_job_is_reported_then_resubmitted_and_no_wait_jobs_are_collected_by_the_report_build()
    {
        const string trained = "table2/pixels", probed = "references/raw-pixels"; // no tokenizer artifact: two jobs
        using var results = new TempTree("kill");
        var submit = Driver(results, "tables", wait: false);
        var submitted = Run(submit, trained, probed);
        Assert.All(submitted.Rows, r => Assert.Equal(RowStatus.Submitted, r.Outcome.Status));
        Assert.Contains("--target=report --profile=ci", submit.Output.ToString());
        var first = submit.Driver.Started.ToDictionary(r => r.Step.Name, r => r.JobId!);

        // Built again while queued: found by job name, not submitted twice.
        var twice = Driver(results, "tables", wait: false);
        Run(twice, trained, probed);
        Assert.Equal(first, twice.Driver.Started.ToDictionary(r => r.Step.Name, r => r.JobId!));
        Assert.Contains("not submitted again", twice.Output.ToString());

        // Kill the training job once it is training.
        var log = new RowPaths(new ResultStore(results).Row("ci", trained).Staging).Log; // a run works in its staging folder
        Assert.True(WaitFor(() => File.Exists(log), TimeSpan.FromMinutes(4)), $"{trained} never started training");
        new SlurmClient().Cancel([first[trained]]);

        // --target=report collects both: one failed, with its job, state and log; then the report.
        var report = Driver(results, "report", executor: "local");
        report.Driver.Collect();
        report.Driver.Ldae("report");
        var collected = report.Driver.Finish();
        Assert.Equal([1], report.Exits);
        Assert.Equal(RowStatus.Failed, collected.Rows.Single(r => r.Row.FullId == trained).Outcome.Status);
        Assert.Equal(RowStatus.Ran, collected.Rows.Single(r => r.Row.FullId == probed).Outcome.Status);
        var failure = Assert.Single(collected.Failures);
        var jobLog = SlurmJob.LogPattern(results, "ci", trained).Replace("%j", first[trained]);
        Assert.Equal($"{trained}: job {first[trained]} CANCELLED, exit code 0:15; log {jobLog}", failure);
        Assert.True(File.Exists(jobLog));
        Assert.True(File.Exists(Path.Combine(results, "ci", "report", "index.md")));
        Assert.False(File.Exists(JobLedger.For(results, "ci").Path)); // nothing left to collect

        // The next build resubmits only the killed row (its run to the end is the first test's business).
        var rerun = Driver(results, "tables", wait: false);
        var resubmitting = Run(rerun, trained, probed);
        var resubmitted = Assert.Single(rerun.Driver.Started);
        try
        {
            Assert.Equal(trained, resubmitted.Step.Name);
            Assert.NotNull(resubmitted.JobId);
            Assert.NotEqual(first[trained], resubmitted.JobId);
            Assert.Equal([RowStatus.Submitted, RowStatus.UpToDate], resubmitting.Rows.Select(r => r.Outcome.Status));
        }
        finally
        {
            new SlurmClient().Cancel([resubmitted.JobId!]);
        }
    }

    [SlurmFact]
    public void A_build_stopped_by_SIGTERM_while_following_leaves_its_jobs_queued_for_the_report_build()
    {
        using var results = new TempTree("term");
        var output = new StringWriter();
        var exits = new List<int>();
        var interrupt = new Interrupt();
        var driver = BuildDriver.Create(BuildTestFiles.Options(results, "references/raw-pixels", "slurm"), BuildConsole.Plain(output), interrupt, exits.Add);
        driver.Row("references/raw-pixels", requested: true);
        var job = Assert.Single(driver.Started).JobId!;
        interrupt.Raise(System.Runtime.InteropServices.PosixSignal.SIGTERM);
        driver.Finish();
        try
        {
            Assert.Equal(143, exits[0]);
            Assert.Equal(StepState.LeftRunning, driver.Started[0].State);
            Assert.Contains("--target=report --profile=ci", output.ToString());
            Assert.Equal(job, Assert.Single(JobLedger.For(results, "ci").Read()).Job); // for the report build to collect
            Assert.Contains(new SlurmClient().Queue()!, j => j.Id == job);
        }
        finally
        {
            new SlurmClient().Cancel([job]);
        }
    }

    [SlurmFact]
    public void A_row_whose_run_lock_is_held_is_not_submitted()
    {
        using var results = new TempTree("lock");
        using var held = RunLock.Acquire(new ResultStore(results).Row("ci", "references/raw-pixels").Lock, TimeSpan.Zero);
        var build = Driver(results, "references/raw-pixels");
        build.Driver.Row("references/raw-pixels", requested: true);
        var run = Assert.Single(build.Driver.Started);
        Assert.Null(run.JobId);
        Assert.Equal(StepState.Elsewhere, run.State);
        Assert.Equal(RowStatus.RunningElsewhere, Assert.Single(build.Driver.Finish().Rows).Outcome.Status);
    }

    static bool WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout) return false;
            Thread.Sleep(250);
        }
        return true;
    }

    /// <summary>A time field of `scontrol show job` (the test cluster keeps ended jobs for 10 minutes).</summary>
    static DateTime Time(string job, string field)
    {
        var p = Process.Start(new ProcessStartInfo("scontrol", ["--oneliner", "show", "job", job]) { RedirectStandardOutput = true })!;
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var value = text.Split(' ').Select(f => f.Split('=', 2)).First(kv => kv[0] == field)[1];
        return DateTime.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
