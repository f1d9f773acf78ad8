namespace LDae.Evaluation.FineTuning;

/// <summary>
/// End-to-end fine-tuning recipe, MAE's protocol as the paper's Appendix B gives it: AdamW (β = 0.9, 0.999) with
/// layer-wise lr decay, linear warm-up then half-cycle cosine, weight decay 0.05 on weight matrices, drop path,
/// label smoothing, MixUp/CutMix, RandAugment on top of a random resized crop + flip, and an EMA of the weights that is
/// evaluated. Defaults are the paper's ViT-B values (batch 1024, lr 1e-3 × 1024/256 = 4e-3, 100 epochs, 5 warm-up).
/// </summary>
public sealed record FineTuneOptions
{
    public int Epochs { get; init; } = 100;
    public double WarmupEpochs { get; init; } = 5;

    /// <summary>Images per step (capped at the training-set size); the last partial batch of an epoch is dropped.</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>Base lr; the peak is BaseLr × batch / 256 (MAE's rule).</summary>
    public double BaseLr { get; init; } = 1e-3;
    public double MinLr { get; init; } = 1e-6;
    public double WeightDecay { get; init; } = 0.05;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double AdamEps { get; init; } = 1e-8;

    /// <summary>Layer-wise lr decay d: with B blocks, block i gets d^(B − i), the embeddings d^(B + 1), the head 1.</summary>
    public double LayerDecay { get; init; } = 0.85;

    /// <summary>The drop-path rate of the last block; block i of B gets rate · i/(B − 1), as timm's ViT spaces them.</summary>
    public double DropPath { get; init; } = 0.1;

    public MixOptions Mix { get; init; } = new(0.8, 1.0, 0.1);
    public RandAugmentOptions RandAugment { get; init; } = new(2, 9, 0.5);

    /// <summary>EMA decay of the evaluated weights (0 = evaluate the trained weights themselves).</summary>
    public double EmaDecay { get; init; } = 0.9999;

    /// <summary>Std of the head's truncated-normal init (MAE: 2e-5); its bias starts at 0.</summary>
    public double HeadInitStd { get; init; } = 2e-5;

    /// <summary>Images per forward pass when evaluating.</summary>
    public int EvalBatch { get; init; } = 512;

    /// <summary>Seeds the head's init, the data order, crops, RandAugment, MixUp/CutMix and drop path.</summary>
    public long Seed { get; init; }

    public double PeakLr(int batch) => BaseLr * batch / 256.0;
}
