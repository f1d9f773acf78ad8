namespace LDae.Runtime;

/// <summary>
/// Whether libtorch may run CPU convolutions on oneDNN (otherwise it uses its own im2col + BLAS kernels). On the
/// project's AMD EPYC machine (Zen 5, AVX-512 with VP2INTERSECT) the oneDNN in libtorch 2.10 computes wrong input
/// gradients for stride-1 convolutions to few channels — batch-32 3×3 convolutions 3→8, 8→8, 8→3, 16→3 at 32² and
/// 16→2 at 8², the discriminator's 4×4 16→1 logits: NaN, or values off by 35–100 %, differing run to run as if
/// uninitialised memory were read — with its AVX2 and AVX-512 kernels alike; forward outputs and weight gradients are
/// right. Capped at SSE4.1 (<c>ONEDNN_MAX_CPU_ISA=SSE41</c>) it is right, and PyTorch 1.13's
/// oneDNN 2.6 is right on the same shapes. The conv VAE's training ends in NaN latents with it
/// (<c>ldae tokenizer --artifact tokenizer/conv-vae-p8-d4-plain --profile ci</c>). So the convolutional networks we
/// train — the learned tokenizers, their discriminator and perceptual network, the FD classifier — train inside
/// <see cref="Disabled"/>, which is also the faster of the two correct choices: the cpu profile's conv VAE step runs
/// at 332 img/s on libtorch's own kernels, 230 on oneDNN's SSE4.1 ones (484 on its wrong AVX-512 ones;
/// docs/performance.md). The denoiser's only convolution (the patch embedding, stride = kernel, no input gradient)
/// keeps oneDNN. The switch is process-wide (<see cref="LibTorchContext"/>); Linux only (elsewhere a no-op).
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
