// tqc_fc: folded FULLY_CONNECTED engine with PU x PK multiply-accumulate units.
//
//   acc[u] = bias[u] + sum_k (x[k] + XOFF) * (w[u][k] + WOFF)      (int32, wrapping)
//
// One row of K input elements is streamed in (one per beat) into PK banks of input buffer;
// then the engine walks the weight ROM: NG = ceil(UNITS/PU) groups of PU output units, each
// group NK = ceil(K/PK) cycles (PU*PK products per cycle). A finished group is copied to an
// output shift register and streamed out one int32 accumulator per beat, in unit order,
// while the next group accumulates. The next row may load as soon as the last read issued.
//
// Weight ROM word (g*NK + kk) holds w[g*PU+u][kk*PK+j] at bits (u*PK+j)*WW; bias ROM word g
// holds bias[g*PU+u] at bits u*32. Lanes past UNITS (last group) or past K are masked.
// Pipeline: issue (addresses) -> A (memory outputs) -> B (products summed) -> C (accumulate)
// -> output register; a single enable `adv` stalls it when the output register is still busy.
module tqc_fc #(
    parameter K = 1,            // input elements per row
    parameter UNITS = 1,        // output units per row
    parameter PU = 1,           // unit lanes
    parameter PK = 1,           // input lanes
    parameter NK = 1,           // ceil(K / PK)
    parameter NG = 1,           // ceil(UNITS / PU)
    parameter KAW = 1,          // address width of the input banks (NK words)
    parameter LW = 1,           // width of the input lane counter (PK lanes)
    parameter GAW = 1,          // width of the group counter (NG groups)
    parameter WAW = 1,          // address width of the weight ROM (NG*NK words)
    parameter OCW = 1,          // width of the output lane counter (PU lanes)
    parameter XW = 8,           // input element width
    parameter XSIGNED = 1,      // input elements are signed
    parameter XVW = 10,         // width of x + XOFF (signed)
    parameter signed [31:0] XOFF = 0,
    parameter WW = 8,           // weight width
    parameter WSIGNED = 1,      // weights are signed
    parameter WVW = 10,         // width of w + WOFF (signed)
    parameter signed [31:0] WOFF = 0,
    parameter HAS_BIAS = 1,
    parameter WFILE = "weights.hex",
    parameter BFILE = "bias.hex"
) (
    input clk,
    input rst,
    input in_valid,
    output in_ready,
    input [XW-1:0] in_data,
    output out_valid,
    input out_ready,
    output [31:0] out_data
);
    localparam PW = XVW + WVW;                       // product width
    localparam integer LAST_LANE_I = (K - 1) % PK;          // lane of x[K-1]
    localparam integer LAST_ADDR_I = (K - 1) / PK;          // bank address of x[K-1]
    localparam integer LAST_KK_I = NK - 1;
    localparam integer LAST_G_I = NG - 1;
    localparam integer FULL_LEFT_I = PU - 1;
    localparam integer LAST_LEFT_I = UNITS - (NG - 1) * PU - 1;
    localparam integer LANE_MAX_I = PK - 1;
    localparam [LW-1:0] LAST_LANE = LAST_LANE_I[LW-1:0];
    localparam [KAW-1:0] LAST_ADDR = LAST_ADDR_I[KAW-1:0];
    localparam [KAW-1:0] LAST_KK = LAST_KK_I[KAW-1:0];
    localparam [GAW-1:0] LAST_G = LAST_G_I[GAW-1:0];
    localparam [OCW-1:0] FULL_LEFT = FULL_LEFT_I[OCW-1:0];
    localparam [OCW-1:0] LAST_LEFT = LAST_LEFT_I[OCW-1:0];
    localparam [LW-1:0] LANE_MAX = LANE_MAX_I[LW-1:0];
    localparam signed [XVW-1:0] XOFF_V = XOFF[XVW-1:0];
    localparam signed [WVW-1:0] WOFF_V = WOFF[WVW-1:0];

    // ---- load: one row into the input banks --------------------------------------------
    reg loading;        // accepting input
    reg issuing;        // walking the weight ROM
    reg [KAW-1:0] wr_addr;
    reg [LW-1:0] wr_lane;
    wire wr = in_valid && loading;
    wire wr_last = wr && wr_addr == LAST_ADDR && wr_lane == LAST_LANE;
    assign in_ready = loading;

    // ---- issue counters ----------------------------------------------------------------
    reg [KAW-1:0] kk;
    reg [GAW-1:0] grp;
    reg [WAW-1:0] w_addr;
    wire adv;           // pipeline enable
    wire issue_last = kk == LAST_KK && grp == LAST_G;

    always @(posedge clk) begin
        if (rst) begin
            loading <= 1'b1;
            issuing <= 1'b0;
            wr_addr <= {KAW{1'b0}};
            wr_lane <= {LW{1'b0}};
            kk <= {KAW{1'b0}};
            grp <= {GAW{1'b0}};
            w_addr <= {WAW{1'b0}};
        end else begin
            if (wr) begin
                if (wr_last) begin
                    wr_addr <= {KAW{1'b0}};
                    wr_lane <= {LW{1'b0}};
                    loading <= 1'b0;
                    issuing <= 1'b1;
                end else if (wr_lane == LANE_MAX) begin
                    wr_lane <= {LW{1'b0}};
                    wr_addr <= wr_addr + 1'b1;
                end else begin
                    wr_lane <= wr_lane + 1'b1;
                end
            end
            if (issuing && adv) begin
                if (issue_last) begin
                    issuing <= 1'b0;
                    loading <= 1'b1;
                    kk <= {KAW{1'b0}};
                    grp <= {GAW{1'b0}};
                    w_addr <= {WAW{1'b0}};
                end else begin
                    w_addr <= w_addr + 1'b1;
                    if (kk == LAST_KK) begin
                        kk <= {KAW{1'b0}};
                        grp <= grp + 1'b1;
                    end else begin
                        kk <= kk + 1'b1;
                    end
                end
            end
        end
    end

    // ---- memories (registered reads, stage A) -----------------------------------------
    wire [PK*XW-1:0] xq;
    genvar j;
    generate
        for (j = 0; j < PK; j = j + 1) begin : bank
            localparam [LW-1:0] LANE = j;
            reg [XW-1:0] mem [0:NK-1];
            reg [XW-1:0] q;
            always @(posedge clk) begin
                if (wr && wr_lane == LANE) mem[wr_addr] <= in_data;
                if (adv) q <= mem[kk];
            end
            assign xq[j*XW +: XW] = q;
        end
    endgenerate

    reg [PU*PK*WW-1:0] wrom [0:NG*NK-1];
    reg [PU*PK*WW-1:0] wq;
    initial $readmemh(WFILE, wrom);
    always @(posedge clk) if (adv) wq <= wrom[w_addr];

    wire [PU*32-1:0] bq;
    generate
        if (HAS_BIAS) begin : with_bias
            reg [PU*32-1:0] brom [0:NG-1];
            reg [PU*32-1:0] q;
            initial $readmemh(BFILE, brom);
            always @(posedge clk) if (adv) q <= brom[grp];
            assign bq = q;
        end else begin : no_bias
            assign bq = {PU*32{1'b0}};
        end
    endgenerate

    reg a_valid, a_first, a_last, a_lastgrp;
    reg [PK-1:0] a_mask;
    integer m;
    always @(posedge clk) begin
        if (rst) begin
            a_valid <= 1'b0;
        end else if (adv) begin
            a_valid <= issuing;
        end
        if (adv) begin
            a_first <= kk == {KAW{1'b0}};
            a_last <= kk == LAST_KK;
            a_lastgrp <= grp == LAST_G;
            for (m = 0; m < PK; m = m + 1)
                a_mask[m] <= kk != LAST_KK || m <= (K - 1) % PK;
        end
    end

    // ---- stage B: PU sums of PK products -----------------------------------------------
    reg [PU*32-1:0] psum;
    reg signed [XVW-1:0] xv;
    reg signed [WVW-1:0] wv;
    reg [PW-1:0] prod;
    reg [31:0] s;
    integer u, p;
    always @(*) begin
        psum = {PU*32{1'b0}};
        xv = {XVW{1'b0}};
        wv = {WVW{1'b0}};
        prod = {PW{1'b0}};
        for (u = 0; u < PU; u = u + 1) begin
            s = 32'd0;
            for (p = 0; p < PK; p = p + 1) begin
                xv = {{(XVW-XW){XSIGNED != 0 && xq[p*XW+XW-1]}}, xq[p*XW +: XW]} + XOFF_V;
                wv = {{(WVW-WW){WSIGNED != 0 && wq[(u*PK+p)*WW+WW-1]}}, wq[(u*PK+p)*WW +: WW]}
                     + WOFF_V;
                prod = {{WVW{xv[XVW-1]}}, xv} * {{XVW{wv[WVW-1]}}, wv};
                if (a_mask[p]) s = s + {{(32-PW){prod[PW-1]}}, prod};
            end
            psum[u*32 +: 32] = s;
        end
    end

    reg b_valid, b_first, b_last, b_lastgrp;
    reg [PU*32-1:0] b_psum, b_bias;
    always @(posedge clk) begin
        if (rst) begin
            b_valid <= 1'b0;
        end else if (adv) begin
            b_valid <= a_valid;
        end
        if (adv) begin
            b_first <= a_first;
            b_last <= a_last;
            b_lastgrp <= a_lastgrp;
            b_psum <= psum;
            b_bias <= bq;
        end
    end

    // ---- stage C: accumulate -------------------------------------------------------------
    reg [PU*32-1:0] acc;
    reg c_done, c_lastgrp;
    integer q;
    always @(posedge clk) begin
        if (rst) begin
            c_done <= 1'b0;
        end else if (adv) begin
            c_done <= b_valid && b_last;
        end
        if (adv) begin
            c_lastgrp <= b_lastgrp;
            if (b_valid)
                for (q = 0; q < PU; q = q + 1)
                    acc[q*32 +: 32] <= (b_first ? b_bias[q*32 +: 32] : acc[q*32 +: 32])
                                       + b_psum[q*32 +: 32];
        end
    end

    // ---- output: a finished group shifts out one accumulator per beat --------------------
    reg [PU*32-1:0] obuf;
    reg o_busy;
    reg [OCW-1:0] o_left;
    wire o_free = !o_busy || (out_ready && o_left == {OCW{1'b0}});
    assign adv = !c_done || o_free;
    assign out_valid = o_busy;
    assign out_data = obuf[31:0];

    always @(posedge clk) begin
        if (rst) begin
            o_busy <= 1'b0;
            o_left <= {OCW{1'b0}};
        end else if (c_done && o_free) begin
            o_busy <= 1'b1;
            o_left <= c_lastgrp ? LAST_LEFT : FULL_LEFT;
        end else if (o_busy && out_ready) begin
            if (o_left == {OCW{1'b0}}) o_busy <= 1'b0;
            o_left <= o_left - 1'b1;
        end
    end
    generate
        if (PU > 1) begin : shift_out
            always @(posedge clk) begin
                if (c_done && o_free) obuf <= acc;
                else if (o_busy && out_ready) obuf <= {32'd0, obuf[PU*32-1:32]};
            end
        end else begin : single_out
            always @(posedge clk) if (c_done && o_free) obuf <= acc;
        end
    endgenerate
endmodule
