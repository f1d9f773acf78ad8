namespace LDae.Runtime;

/// <summary>
/// Whether libtorch may run CPU convolutions on oneDNN (otherwise it uses its own im2col + BLAS kernels). On the
/// project's AMD EPYC machine (AVX-512 with VP2INTERSECT) oneDNN's convolution backward pass turns the conv VAE's
/// gradients to NaN at its first step, in some runs and not others, at any thread count and with oneDNN capped at
/// AVX2 (`ldae tokenizer --artifact tokenizer/conv-vae-p8-d4-plain --profile ci`); with oneDNN off the same training
/// is finite and bit-identical run to run. So the convolutional networks we train — the learned tokenizers, their
/// discriminator and perceptual network, the FD classifier — train inside <see cref="Disabled"/>. The denoiser's
/// only convolution (the patch embedding, stride = kernel) keeps oneDNN. The switch is process-wide
/// (<see cref="LibTorchContext"/>); Linux only (elsewhere a no-op).
/// </summary>
public static class OneDnnConvolution
{
    /// <summary>Whether libtorch may use oneDNN now (true where the switch cannot be read).</summary>
    public static bool Enabled
    {
        get
        {
            if (!OperatingSystem.IsLinux()) return true;
            TorchRuntime.EnsureLoaded();
            return LibTorchContext.OneDnnEnabled;
        }
    }

    /// <summary>
    /// Turns oneDNN off until the result is disposed. Scopes may nest and overlap across threads (the switch is
    /// process-wide): the first one open saves the state it found and the last one closed restores it.
    /// </summary>
    public static IDisposable Disabled()
    {
        if (!OperatingSystem.IsLinux()) return new Scope(open: false);
        TorchRuntime.EnsureLoaded();
        lock (Gate)
        {
            if (openScopes++ == 0)
            {
                enabledBefore = LibTorchContext.OneDnnEnabled;
                LibTorchContext.OneDnnEnabled = false;
            }
        }
        return new Scope(open: true);
    }

    static readonly object Gate = new();
    static int openScopes;
    static bool enabledBefore;

    sealed class Scope(bool open) : IDisposable
    {
        bool pending = open;
        public void Dispose()
        {
            lock (Gate)
            {
                if (!pending) return;
                pending = false;
                if (--openScopes == 0) LibTorchContext.OneDnnEnabled = enabledBefore;
            }
        }
    }
}
