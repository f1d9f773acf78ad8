using System.Runtime.InteropServices;
using LDae.Harness.Experiments;

namespace LDae.Harness.Execution.Slurm;

/// <summary>
/// Runs each step as a Slurm batch job (<see cref="SlurmJob"/>): a row's job waits for its tokenizer's job
/// (afterok); a step already queued under its job name, or whose run lock is held, is not submitted again; every
/// submission goes into the profile's <see cref="JobLedger"/>. <see cref="Follow"/> polls squeue (and sacct, or
/// scontrol without accounting) until every job has ended, with a <see cref="FollowTable"/>; Ctrl-C asks whether
/// to cancel the unfinished jobs or leave them running.
/// </summary>
public sealed class SlurmExecutor(BuildOptions options, JobResources resources, BuildConsole console, Interrupt interrupt, SlurmClient client)
    : IStepExecutor
{
    readonly JobLedger ledger = JobLedger.For(options.ResultsRoot, options.Profile);
    Dictionary<string, QueuedJob>? queuedAtStart;

    public string Name => "slurm";

    public JobLedger Ledger => ledger;

    public StepRun Start(BuildStep step, IReadOnlyList<StepRun> after)
    {
        var run = new StepRun(step);
        var name = SlurmJob.Name(options.ResultsRoot, options.Profile, step.Name);
        queuedAtStart ??= (client.Queue() ?? throw new SlurmException($"squeue failed ({client.QueueError}); is this a Slurm login node, and SLURM_CONF right?"))
            .GroupBy(j => j.Name).ToDictionary(g => g.Key, g => g.First());
        if (queuedAtStart.TryGetValue(name, out var queued))
        {
            run.JobId = queued.Id;
            run.State = IsPending(queued.State) ? StepState.Queued : StepState.Running;
            run.Log = ledger.Read().FirstOrDefault(e => e.Job == queued.Id)?.Log ?? SlurmJob.LogPattern(options.ResultsRoot, options.Profile, step.Name).Replace("%j", queued.Id);
            ledger.Add(new LedgerEntry(step.Name, queued.Id, run.Log, DateTimeOffset.UtcNow));
            console.Line($"{step.Name}: already queued as job {queued.Id} ({queued.State}); not submitted again");
            return run;
        }
        if (RunLockProbe.IsHeld(step.LockFile))
        {
            run.State = StepState.Elsewhere;
            run.Detail = $"running elsewhere (another process holds {step.LockFile})";
            console.Line($"{step.Name}: {run.Detail}; not submitted");
            return run;
        }

        var script = SlurmJob.ScriptPath(options.ResultsRoot, options.Profile, step.Name);
        Directory.CreateDirectory(Path.GetDirectoryName(script)!);
        File.WriteAllText(script, SlurmJob.Script(options, step, DotnetHost.Path));
        var afterJobs = after.Where(r => r.JobId is not null && !r.Ended).Select(r => r.JobId!);
        run.JobId = client.Submit(SlurmJob.SbatchArguments(options, step, resources, afterJobs, script));
        run.Log = SlurmJob.LogPattern(options.ResultsRoot, options.Profile, step.Name).Replace("%j", run.JobId);
        ledger.Add(new LedgerEntry(step.Name, run.JobId, run.Log, DateTimeOffset.UtcNow));
        console.Line($"{step.Name}: submitted as job {run.JobId}");
        return run;
    }

    public void Follow(IReadOnlyList<StepRun> runs)
    {
        var jobs = runs.Where(r => r.JobId is not null).ToList();
        if (jobs.All(r => r.Ended)) return;
        console.Line($"following {jobs.Count(r => !r.Ended)} Slurm job(s); Ctrl-C asks whether to cancel them or leave them running");
        var table = new FollowTable(console);
        while (true)
        {
            Refresh(jobs);
            table.Show(jobs);
            if (jobs.All(r => r.Ended)) break;
            if (interrupt.Raised.WaitOne(options.Slurm.Poll))
            {
                table.Finish();
                StopFollowing(jobs.Where(r => !r.Ended).ToList());
                break;
            }
        }
        table.Finish();
        ledger.Remove(jobs.Where(r => r.Ended && r.State != StepState.LeftRunning).Select(r => r.JobId!));
    }

    /// <summary>One poll: squeue for the jobs still queued or running, sacct/scontrol for those that left the queue.</summary>
    public void Refresh(IReadOnlyList<StepRun> jobs)
    {
        var queue = client.Queue();
        if (queue is null) return; // the controller did not answer: conclude nothing, ask again next time
        var byId = queue.ToDictionary(j => j.Id);
        var left = new List<StepRun>();
        foreach (var run in jobs.Where(r => !r.Ended))
        {
            if (!byId.TryGetValue(run.JobId!, out var job) || IsOver(job.State)) { left.Add(run); continue; }
            run.Elapsed = job.Elapsed;
            if (IsPending(job.State))
            {
                run.State = StepState.Queued;
                run.Detail = job.Reason is "None" or "" ? null : job.Reason;
            }
            else
            {
                run.State = StepState.Running;
                run.Detail = null;
                run.Progress = RowProgress.Read(run.Step.ProgressLog, run.Step.Epochs);
            }
        }
        if (left.Count == 0) return;
        var ended = client.Ended(left.Select(r => r.JobId!).ToList());
        foreach (var run in left)
        {
            if (ended.TryGetValue(run.JobId!, out var end))
            {
                // A job cancelled from outside the build (scancel, an administrator, a node failure) did not do its
                // work: a failure the next build resubmits. The build's own cancelling on Ctrl-C is StopFollowing's.
                run.State = end.State == "COMPLETED" ? StepState.Done : StepState.Failed;
                run.Detail = end.State == "COMPLETED" ? null : $"{end.State}, exit code {end.ExitCode}";
            }
            else
            {
                // Gone from the queue and forgotten by the controller (no accounting, past MinJobAge): the build
                // judges it by its result files.
                run.State = StepState.Done;
                run.Detail = "ended; Slurm no longer knows its exit state";
            }
        }
    }

    void StopFollowing(IReadOnlyList<StepRun> unfinished)
    {
        if (unfinished.Count == 0) return;
        var ids = unfinished.Select(r => r.JobId!).ToList();
        var collect = $"./build.sh --target=report --profile={options.Profile}";
        bool cancel = interrupt.Signal == PosixSignal.SIGINT && console.Confirm(
            $"Interrupted. Cancel the {ids.Count} unfinished job(s) ({string.Join(" ", ids)}) with scancel? Otherwise they keep running and `{collect}` collects them.");
        if (cancel)
        {
            client.Cancel(ids);
            foreach (var run in unfinished) (run.State, run.Detail) = (StepState.Cancelled, "cancelled (scancel) when the build was interrupted");
            ledger.Remove(ids);
            console.Line($"cancelled job(s) {string.Join(" ", ids)}");
            return;
        }
        foreach (var run in unfinished) (run.State, run.Detail) = (StepState.LeftRunning, $"still on the cluster as job {run.JobId}");
        console.Line($"left {ids.Count} job(s) running: collect them with `{collect}`, or cancel them with `scancel {string.Join(" ", ids)}`");
    }

    static bool IsOver(string state) => state is "COMPLETED" or "FAILED" or "CANCELLED" or "TIMEOUT" or "OUT_OF_MEMORY"
        or "NODE_FAIL" or "PREEMPTED" or "BOOT_FAIL" or "DEADLINE";

    static bool IsPending(string state) => state is "PENDING" or "CONFIGURING" or "REQUEUED" or "REQUEUE_HOLD" or "REQUEUE_FED" or "RESV_DEL_HOLD";
}
