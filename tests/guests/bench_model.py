#!/usr/bin/env python3
"""bench_model.py ITER — what each tests/guests/bench_*.s guest prints for ITER,
computed independently of the guests (tests/integration/bench_guests.sh uses
these values).  bench_smc also reports on stderr how often its slow path ran."""
M=(1<<64)-1
def rol(x,n): return ((x<<n)|(x>>(64-n)))&M
def loop(N):
    a=0x9e3779b97f4a7c15; b=0
    for c in range(N,0,-1):
        a^=(a<<13)&M; a^=a>>7; a^=(a<<17)&M
        if a&1: b=(b+a)&M
        else: b=rol(b^a,5)
    return "bench_loop: sum=0x%016x"%b
def calls(N):
    b=1; d=0
    for c in range(N,0,-1):
        # mix_a: imul 32-bit imm sign-extended
        b=(b*0x5851f42d)&M; b=(b+c)&M
        b^=b>>29; d=(d+1)&0xffffffff
        b=rol(b,7)
        if (b&3)==0: d=(d+3)&0xffffffff
    return "bench_calls: state=0x%016x 0x%08x"%(b,d)
def interp(N):
    b=0; r9=0x2545f491; ticks=0
    prog=[0,1,2,3,1,0,2,4]
    n=N
    while True:
        for op in prog:
            if op==0: b=(b+r9)&M
            elif op==1: b=(b*33)&M
            elif op==2: b^=b>>11
            elif op==3: b,r9=r9,b
            elif op==4:
                ticks+=1; n-=1
        if n==0: break
    return "bench_interp: acc=0x%016x 0x%016x 0x%08x"%(b,r9,ticks)
def smc(N):
    b=0; a=0x12345; d=0; slow=0
    for c in range(N):
        a=(a*0x41c64e6d)&0xffffffff; a=(a+0x3039)&0xffffffff
        imm=a-(1<<32) if a&0x80000000 else a
        b=(b+imm)&M
        b=rol(b,3)
        if b&1: b=(b+1)&M
        if a&0x3ff==0:
            slow+=1
            for k in range(80):
                b=(b+5)&M; b=rol(b,3); d^=b; d=(d*7)&M; b=(b+d)&M; d>>=1
    sys.stderr.write("slow calls %d\n"%slow)
    return "bench_smc: sum=0x%016x"%b
import sys
N=int(sys.argv[1])
for f in (loop,calls,interp,smc): print(f(N))
