using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Training;

/// <summary>
/// Exponential moving average of a module's parameters, θ̄ ← d_k·θ̄ + (1 − d_k)·θ after the k-th optimizer step
/// (DiT keeps one with decay β = 0.9999 and evaluates it), warmed up: d_k = min(β, (1 + k)/(10 + k)). Buffers
/// (e.g. BatchNorm running statistics) are not averaged but copied, so the averaged model is always self-consistent.
/// </summary>
/// <remarks>
/// <para>Why the warm-up: a plain average started at the random initialisation still holds β^K of it after K
/// steps — 0.9999^9750 ≈ 38 % at the cpu profile, a different share for every training length — so the probe
/// would read a blend of trained and random weights. With d_k = min(β, (1 + k)/(10 + k)) (TensorFlow's
/// ExponentialMovingAverage with num_updates) the initialisation's share after K steps is ∏ d_k ≈ 10!/K⁹
/// (below 10⁻⁹ after 100 steps), and until β takes over (k ≈ 9/(1 − β), 90,000 steps for 0.9999) the average
/// spans roughly the last ninth of training, whatever the budget.</para>
/// The shadow tensors are owned by this object (dispose it). The module's parameter and buffer objects are
/// captured at construction; TorchSharp's <c>load</c>/<c>load_state_dict</c> copy into them in place, so that
/// stays valid across checkpoint loads.
/// </remarks>
public sealed class Ema : IDisposable
{
    readonly (string Name, Tensor Live, Tensor Shadow)[] parameters;
    readonly (string Name, Tensor Live, Tensor Shadow)[] buffers;

    /// <summary>β, the decay the warm-up rises to.</summary>
    public double Decay { get; }

    /// <summary>Number of <see cref="Update"/> calls so far (k of the last update).</summary>
    public long Updates { get; private set; }

    double current;

    /// <summary>d_k = min(β, (1 + k)/(10 + k)), the decay of the k-th update (k ≥ 1).</summary>
    public static double DecayAt(double decay, long k) => Math.Min(decay, (1.0 + k) / (10.0 + k));

    /// <summary>Starts the average at the module's current weights.</summary>
    public Ema(nn.Module model, double decay)
    {
        if (decay is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(decay), decay, "EMA decay must be in [0, 1)");
        Decay = decay;
        using var _ = no_grad();
        parameters = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter, Copy(p.parameter))).ToArray();
        buffers = model.named_buffers().Select(b => (b.name, b.buffer, Copy(b.buffer))).ToArray();
    }

    /// <summary>The averaged value of parameter or buffer <paramref name="name"/> (owned by this object).</summary>
    public Tensor Shadow(string name)
    {
        foreach (var e in parameters.Concat(buffers))
            if (e.Name == name) return e.Shadow;
        throw new KeyNotFoundException(name);
    }

    /// <summary>One averaging step; call after each optimizer step.</summary>
    /// <param name="threads">Data-parallel replicas whose threads share the parameters (same bits); null: this thread.</param>
    public void Update(DataParallel? threads = null)
    {
        current = DecayAt(Decay, ++Updates);
        DataParallel.ForEachParameter(threads, parameters.Select(p => p.Shadow).ToArray(), Average);
        using var _ = no_grad();
        foreach (var (_, live, shadow) in buffers)
            shadow.copy_(live);
    }

    void Average(int parameter)
    {
        using var _ = no_grad();   // per thread: the update may run on a replica's thread
        var (_, live, shadow) = parameters[parameter];
        shadow.mul_(current).add_(live, alpha: 1.0 - current);
    }

    /// <summary>
    /// Puts the averaged weights into the module until the returned handle is disposed, which restores the
    /// trained weights exactly. Use around evaluation: <c>using (ema.SwapIn()) { ... }</c>.
    /// </summary>
    public IDisposable SwapIn()
    {
        using var _ = no_grad();
        var saved = parameters.Concat(buffers).Select(e => Copy(e.Live)).ToArray();
        CopyShadowIntoModel();
        return new Restore(this, saved);
    }

    /// <summary>Overwrites the module's weights with the averaged ones (for good).</summary>
    public void CopyShadowIntoModel()
    {
        using var _ = no_grad();
        foreach (var (_, live, shadow) in parameters.Concat(buffers)) live.copy_(shadow);
    }

    public void Save(BinaryWriter writer)
    {
        writer.Write(Decay);
        writer.Write(Updates);
        writer.Write(parameters.Length + buffers.Length);
        foreach (var (name, _, shadow) in parameters.Concat(buffers))
        {
            writer.Write(name);
            shadow.Save(writer);
        }
    }

    public void Load(BinaryReader reader)
    {
        double decay = reader.ReadDouble();
        if (decay != Decay) throw new InvalidDataException($"EMA decay in the file is {decay}, this EMA has {Decay}");
        long updates = reader.ReadInt64();
        if (updates < 0) throw new InvalidDataException($"EMA file has {updates} updates");
        int count = reader.ReadInt32();
        var entries = parameters.Concat(buffers).ToArray();
        if (count != entries.Length) throw new InvalidDataException($"EMA file has {count} tensors, the model {entries.Length}");
        using var _ = no_grad();
        foreach (var (name, _, shadow) in entries)
        {
            string stored = reader.ReadString();
            if (stored != name) throw new InvalidDataException($"EMA file has '{stored}' where the model has '{name}'");
            shadow.Load(reader);
        }
        Updates = updates;
    }

    public void Dispose()
    {
        foreach (var e in parameters.Concat(buffers)) e.Shadow.Dispose();
    }

    /// <summary>A detached copy (callers are under no_grad, so the clone does not require grad).</summary>
    static Tensor Copy(Tensor t) => t.clone().DetachFromDisposeScope();

    sealed class Restore(Ema ema, Tensor[] saved) : IDisposable
    {
        bool done;

        public void Dispose()
        {
            if (done) return;
            done = true;
            using var _ = no_grad();
            var entries = ema.parameters.Concat(ema.buffers).ToArray();
            for (int i = 0; i < entries.Length; i++)
            {
                entries[i].Live.copy_(saved[i]);
                saved[i].Dispose();
            }
        }
    }
}
