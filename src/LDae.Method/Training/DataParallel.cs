using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Training;

/// <summary>What one shard of a step measured: its share of the batch loss and its forward/backward time.</summary>
public sealed record ShardTiming(double ForwardMs, double BackwardMs);

/// <summary>The values of one step's loss (the full batch's mean, parts included) and each shard's timing.</summary>
public sealed record StepValues(double Loss, IReadOnlyDictionary<string, double> Parts, IReadOnlyList<ShardTiming> Shards);

/// <summary>
/// Data parallelism on CPU cores, as DDP across GPUs: the batch is split into <see cref="Replicas"/> shards, each
/// shard's loss and gradient are computed on its own thread running libtorch with <see cref="ThreadsPerReplica"/>
/// threads, and the shard gradients are summed in shard order into the parameters' <c>.grad</c> (the all-reduce:
/// shard 0 accumulates into <c>.grad</c> with a plain backward pass, the others' gradients are added to it in
/// order), ready for gradient clipping and the optimizer. The per-parameter work after the gradients (this sum,
/// <see cref="GradientClipping"/>, <see cref="AdamW"/>, <see cref="Ema"/>) is split over the same threads by
/// <see cref="ForEachParameter"/>, each thread updating its own parameters as in ZeRO stage 1.
/// </summary>
/// <remarks>
/// <para><b>Why.</b> The CPU-sized models are small (width 96: matmuls with an inner dimension of 96, activations
/// of ~1.5 MB), so a step is hundreds of short ops. Splitting every op over two OpenMP threads pays a fork/join per
/// op and made a step only ~1.4× faster than one thread; two single-threaded replicas, each on half the batch,
/// make it ~2× faster (<c>ldae bench --profile quick --replicas 1</c> against <c>--replicas 2</c>).</para>
/// <para><b>Same method.</b> The backbone has no batch statistics (LayerNorm, not BatchNorm) and every loss is a
/// mean over images, so each shard's mean loss weighted by its share of the batch sums to the batch's mean loss,
/// and the summed gradient is the full-batch gradient up to float rounding.</para>
/// <para><b>Determinism.</b> Each shard draws its randomness from its own generator
/// (<see cref="Seeding.ForShard"/>) and the gradients are added in shard order whichever worker finishes first,
/// so a run is a pure function of (seed, replicas, threads). With one replica the step runs on the calling
/// thread with the step's generator: exactly the single-process step.</para>
/// </remarks>
public sealed class DataParallel : IDisposable
{
    readonly Parameter[] parameters;
    readonly Worker[] workers;            // empty with one replica: the calling thread computes the step
    readonly int? callerThreads;          // the calling thread's torch threads, restored on Dispose (replicas > 1)

    /// <param name="trainable">The parameters whose gradients are computed (requires_grad).</param>
    /// <param name="replicas">Shards per batch, each computed on its own thread. The calling thread's torch threads
    /// are divided among them (at least one each); with one replica the calling thread computes the step as it is.</param>
    public DataParallel(IEnumerable<Parameter> trainable, int replicas)
    {
        if (replicas < 1) throw new ArgumentOutOfRangeException(nameof(replicas), $"replicas must be ≥ 1, got {replicas}");
        parameters = trainable.ToArray();
        Replicas = replicas;
        ThreadsPerReplica = ThreadsEach(get_num_threads(), replicas);
        workers = replicas == 1 ? [] : Enumerable.Range(0, replicas).Select(k => new Worker(k, ThreadsPerReplica)).ToArray();
        if (replicas > 1)
        {
            // The calling thread sums the gradients and steps the optimizer while its OpenMP team would sit idle
            // through the replicas' work; with a team it paid a wake-up per parallel region (clip + AdamW: 19 ms
            // instead of 3 ms). It uses the replicas' thread count until disposed.
            callerThreads = get_num_threads();
            set_num_threads(ThreadsPerReplica);
        }
    }

    public int Replicas { get; }
    public int ThreadsPerReplica { get; }

    /// <summary>The torch threads each replica gets when <paramref name="threads"/> are divided among <paramref name="replicas"/>.</summary>
    public static int ThreadsEach(int threads, int replicas) => Math.Max(1, threads / replicas);

    /// <summary>Sizes of the shards of a batch of <paramref name="count"/>: as equal as possible, larger ones first (torch.chunk-like).</summary>
    public static int[] ShardSizes(long count, int replicas)
    {
        if (count < replicas) throw new ArgumentException($"a batch of {count} cannot be split into {replicas} replicas");
        return Enumerable.Range(0, replicas).Select(k => (int)(count / replicas + (k < count % replicas ? 1 : 0))).ToArray();
    }

    /// <summary>
    /// Computes the gradient of the batch's loss and accumulates it into the parameters' <c>.grad</c>: call the
    /// optimizer's zero_grad first, as before a plain backward pass.
    /// </summary>
    /// <param name="objective">The loss of a (shard of a) batch; must be a mean over its images and take all its randomness from the generator.</param>
    public StepValues ComputeGradients(Batch batch, long seed, long step, Func<Batch, Generator, StepLoss> objective)
    {
        var sizes = ShardSizes(batch.Count, Replicas);
        var results = new ShardResult[Replicas];
        try
        {
            if (workers.Length == 0)
            {
                using var g = Seeding.ForStep(seed, step);
                results[0] = RunShard(batch, 1.0, g, objective, intoGrads: true);
            }
            else
            {
                using var noGc = new NoGarbageCollection();
                long start = 0;
                for (int k = 0; k < Replicas; k++)
                {
                    int shard = k;
                    var part = new Batch(batch.X.narrow(0, start, sizes[k]), batch.Y?.narrow(0, start, sizes[k]));
                    double weight = (double)sizes[k] / batch.Count;
                    start += sizes[k];
                    workers[k].Start(() =>
                    {
                        using var g = Seeding.ForShard(seed, step, shard);
                        results[shard] = RunShard(part, weight, g, objective, intoGrads: shard == 0);
                    });
                }
                WaitForAll("a data-parallel replica");
                SumIntoGrads(results);
            }
        }
        finally
        {
            foreach (var r in results)
                if (r?.Grads is not null) foreach (var grad in r.Grads) grad?.Dispose();
        }
        var parts = new Dictionary<string, double>();
        foreach (var r in results)
            foreach (var (name, value) in r.Parts) parts[name] = parts.GetValueOrDefault(name) + value;
        return new StepValues(results.Sum(r => r.Loss), parts, results.Select(r => r.Timing).ToArray());
    }

    /// <summary>
    /// The all-reduce: shard 0 has already accumulated its gradient into .grad (a plain backward pass, in place, no
    /// new buffers); the other shards' gradients are added to it in shard order, each parameter on one of the
    /// replicas' threads (the order of the additions per parameter is fixed, so the bits do not depend on the split).
    /// </summary>
    void SumIntoGrads(ShardResult[] results) => ForEachParameter(parameters, i =>
    {
        using var _ = no_grad();
        var p = parameters[i];
        foreach (var r in results.Skip(1))
        {
            if (r.Grads![i] is not { } g) continue;                                // this shard did not use the parameter
            using var sum = p.grad;
            if (sum is not null) sum.add_(g);
            else p.grad = g.clone();
        }
    });

    /// <summary>
    /// Calls <paramref name="update"/>(i) once for every tensor i, on the replicas' threads at once: each thread takes
    /// a contiguous run of the tensors, about an equal share of their elements, in order (with one replica, the
    /// calling thread takes them all). For per-parameter work after the gradients (the gradient sum, clipping,
    /// the optimizer step) that would otherwise leave all but one core idle. Each thread's tensors are disposed
    /// when its share is done, so keep (DetachFromDisposeScope) what must outlive the call.
    /// </summary>
    public void ForEachParameter(IReadOnlyList<Tensor> tensors, Action<int> update)
    {
        if (workers.Length == 0)
        {
            using var scope = NewDisposeScope();
            for (int i = 0; i < tensors.Count; i++) update(i);
            return;
        }
        var shares = Shares(tensors.Select(t => t.numel()).ToArray(), workers.Length);
        using var noGc = NoGarbageCollection.UnlessActive();
        for (int k = 0; k < workers.Length; k++)
        {
            var (first, count) = shares[k];
            workers[k].Start(() =>
            {
                using var scope = NewDisposeScope();
                for (int i = first; i < first + count; i++) update(i);
            });
        }
        WaitForAll("a data-parallel parameter update");
    }

    /// <summary>On <paramref name="threads"/>' replica threads, or, without replicas, in a plain loop on this thread.</summary>
    public static void ForEachParameter(DataParallel? threads, IReadOnlyList<Tensor> tensors, Action<int> update)
    {
        if (threads is null)
            for (int i = 0; i < tensors.Count; i++) update(i);
        else
            threads.ForEachParameter(tensors, update);
    }

    /// <summary>Contiguous runs [first, first + count) of the items, one per part, each about an equal share of the total size.</summary>
    public static (int First, int Count)[] Shares(IReadOnlyList<long> sizes, int parts)
    {
        double total = sizes.Sum();
        var shares = new (int, int)[parts];
        int first = 0;
        double done = 0;
        for (int k = 0; k < parts; k++)
        {
            int end = first;
            if (k == parts - 1) end = sizes.Count;
            else
                while (end < sizes.Count && done + sizes[end] / 2.0 <= total * (k + 1) / parts) done += sizes[end++];
            shares[k] = (first, end - first);
            first = end;
        }
        return shares;
    }

    void WaitForAll(string what)
    {
        var errors = workers.Select(w => w.Wait()).OfType<Exception>().ToList();
        if (errors.Count == 1) throw new InvalidOperationException($"{what} failed: {errors[0].Message}", errors[0]);
        if (errors.Count > 1) throw new AggregateException($"{what} failed", errors);
    }

    /// <param name="intoGrads">Accumulate into the parameters' .grad with a plain backward pass (shard 0), rather than
    /// return the gradient (the other shards, which must not touch .grad while shard 0 does).</param>
    ShardResult RunShard(Batch shard, double weight, Generator g, Func<Batch, Generator, StepLoss> objective, bool intoGrads)
    {
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var once = Kernels.Ops.DifferentiateOnce();   // one backward pass per graph: kernels free what they saved as they go
        var loss = objective(shard, g);
        if (loss.Loss.numel() != 1) throw new InvalidOperationException("the objective must return a scalar loss");
        double forwardMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        // Weighting the loss (not the gradient) keeps one replica bit-identical to an unweighted backward pass.
        var weighted = weight == 1.0 ? loss.Loss : loss.Loss * weight;
        Tensor?[]? grads = null;
        if (intoGrads) weighted.backward();
        else
            grads = autograd.grad([weighted], parameters, allow_unused: true)
                .Select(t => t.IsInvalid ? null : t.DetachFromDisposeScope())
                .ToArray();
        double backwardMs = clock.Elapsed.TotalMilliseconds;
        var parts = loss.Parts?.ToDictionary(p => p.Key, p => weight * p.Value.item<float>()) ?? [];
        return new ShardResult(weight * loss.Loss.item<float>(), parts, grads, new ShardTiming(forwardMs, backwardMs));
    }

    public void Dispose()
    {
        foreach (var w in workers) w.Dispose();
        if (callerThreads is { } n) set_num_threads(n);
        // the replicas' arenas hold a step's activations each, and no thread allocates from them any more
        if (workers.Length > 0) Runtime.MallocPolicy.ReleaseFree();
    }

    /// <summary>
    /// Keeps the garbage collector from running while the replicas are inside libtorch. TorchSharp passes the native
    /// handle of an implicit Scalar (every <c>x * 0.5</c>, AdamW's β, …) to the native call and leaves the Scalar
    /// object unreachable; a collection started by another thread during that call can finalize it and free the
    /// scalar under the call's feet (seen as "Unknown scalar type" when test classes trained side by side). One thread
    /// alone never collects in the middle of its own native call, so only the concurrent part needs the guard.
    /// A step allocates ~0.2 MB of managed objects (quick l-DAE row); the budget has ample headroom, and exceeding
    /// it fails the step rather than risk a silent use-after-free.
    /// </summary>
    internal sealed class NoGarbageCollection : IDisposable
    {
        const long BudgetBytes = 32L << 20;

        public NoGarbageCollection()
        {
            if (!GC.TryStartNoGCRegion(BudgetBytes, disallowFullBlockingGC: true))
                throw new InvalidOperationException(
                    $"could not reserve {BudgetBytes >> 20} MB of managed heap for a data-parallel step; use train.replicas: 1");
        }

        /// <summary>A new guard, or none if one is already active (the gradient sum runs inside the step's guard).</summary>
        public static IDisposable? UnlessActive() =>
            System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion ? null : new NoGarbageCollection();

        public void Dispose()
        {
            if (System.Runtime.GCSettings.LatencyMode != System.Runtime.GCLatencyMode.NoGCRegion)
                throw new InvalidOperationException(
                    "the garbage collector ran while data-parallel replicas were inside libtorch (unsafe, see DataParallel): " +
                    $"the step allocated more than {BudgetBytes >> 20} MB of managed memory, or another thread of the process " +
                    "induced a collection (e.g. a second trainer); train one row per process, or use train.replicas: 1");
            GC.EndNoGCRegion();
        }
    }

    /// <param name="Grads">Per parameter, null where unused; null for shard 0 (accumulated into .grad instead).</param>
    sealed record ShardResult(double Loss, Dictionary<string, double> Parts, Tensor?[]? Grads, ShardTiming Timing);

    /// <summary>A dedicated thread with its own libtorch thread count (set once: OpenMP and MKL keep it per thread).</summary>
    sealed class Worker : IDisposable
    {
        readonly Thread thread;
        readonly SemaphoreSlim go = new(0);
        readonly ManualResetEventSlim done = new(false);
        Action? work;
        Exception? error;
        volatile bool stopping;

        public Worker(int index, int threads)
        {
            thread = new Thread(() =>
            {
                torch.set_num_threads(threads);
                while (true)
                {
                    go.Wait();
                    if (stopping) return;
                    try { work!(); }
                    catch (Exception e) { error = e; }
                    finally { done.Set(); }
                }
            })
            { IsBackground = true, Name = $"ldae-replica-{index}" };
            thread.Start();
        }

        public void Start(Action action)
        {
            work = action;
            error = null;
            done.Reset();
            go.Release();
        }

        /// <summary>Waits for the current work; returns its exception, if any.</summary>
        public Exception? Wait()
        {
            done.Wait();
            work = null;
            return error;
        }

        public void Dispose()
        {
            stopping = true;
            go.Release();
            thread.Join();
            go.Dispose();
            done.Dispose();
        }
    }
}
