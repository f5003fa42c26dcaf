# Reproduces the parameter counts pinned in cost_test.go (Debian python3-torch 1.13):
#   /usr/bin/python3 objective/testdata/torch_counts.py
import torch

def transformer(d, h, e, dd, ff):
    m = torch.nn.Transformer(d_model=d, nhead=h, num_encoder_layers=e, num_decoder_layers=dd, dim_feedforward=ff)
    return sum(p.numel() for p in m.parameters())

def gqa(d, h, kv, e, dd, ff):
    hd = d // h
    def attn():
        return [torch.nn.Linear(d, d), torch.nn.Linear(d, kv * hd), torch.nn.Linear(d, kv * hd), torch.nn.Linear(d, d)]
    mods = []
    for _ in range(e):
        mods += attn() + [torch.nn.Linear(d, ff), torch.nn.Linear(ff, d), torch.nn.LayerNorm(d), torch.nn.LayerNorm(d)]
    for _ in range(dd):
        mods += attn() + attn() + [torch.nn.Linear(d, ff), torch.nn.Linear(ff, d)] + [torch.nn.LayerNorm(d) for _ in range(3)]
    mods += [torch.nn.LayerNorm(d), torch.nn.LayerNorm(d)]
    return sum(p.numel() for m in mods for p in m.parameters())

for s in [(512, 8, 6, 6, 2048), (64, 4, 2, 2, 256), (32, 2, 1, 1, 64), (128, 8, 3, 2, 512),
          (96, 6, 1, 3, 200), (16, 1, 1, 1, 16), (256, 4, 4, 1, 1024)]:
    print("nn.Transformer", s, transformer(*s))
for s in [(512, 8, 8, 6, 6, 2048), (512, 8, 1, 6, 6, 2048), (512, 8, 2, 6, 6, 2048), (64, 4, 2, 2, 2, 256), (96, 6, 3, 1, 3, 200)]:
    print("linear stacks", s, gqa(*s))
