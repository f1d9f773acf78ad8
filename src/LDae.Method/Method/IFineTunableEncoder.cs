using static TorchSharp.torch;

namespace LDae.Method;

/// <summary>
/// The modules that compute a method's read-out tokens, grouped as layer-wise lr decay numbers them: the embeddings
/// (patch projection, and the timestep embedding of a conditioned denoiser) are layer 0, block i is layer i + 1, and
/// a final norm (the plain ViT's, when the read-out ends after its last block) sits with the head.
/// </summary>
public sealed record EncoderLayers(IReadOnlyList<nn.Module> Embedding, IReadOnlyList<nn.Module> Blocks, nn.Module? Norm);

/// <summary>
/// A pretrained encoder as end-to-end fine-tuning uses it: the tokens the probe reads (<see cref="ProbeReadout"/>:
/// the denoiser's t and depth/2 blocks, the whole encoder of MAE and MoCo v3), now with gradients, and the modules
/// that compute them.
/// </summary>
public interface IFineTunableEncoder
{
    /// <summary>N×C×H×W images in [−1, 1] → N×L×width tokens after the read-out's blocks, differentiable.</summary>
    Tensor EncoderTokens(Tensor images, ProbeReadout readout, Generator? noise);

    /// <summary>The modules <see cref="EncoderTokens"/> runs for this read-out; every other module of the method is unused.</summary>
    EncoderLayers Layers(ProbeReadout readout);
}
