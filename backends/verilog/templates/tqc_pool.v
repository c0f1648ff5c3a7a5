// tqc_pool: AVERAGE_POOL_2D / MAX_POOL_2D over the in-bounds window elements.
//
//   average (MAX = 0): s = sum, n = count of in-bounds taps; out = (s > 0 ? s + n/2 : s - n/2) / n
//                      with C division (towards zero), int32 (TFLM integer AveragePool);
//   maximum (MAX = 1): the largest in-bounds element (XW bits).
// The image streams into a frame buffer (word pixel*C + c); for each output element, in NHWC
// order, the taps are read one per cycle, accumulated, divided by a restoring divider (DVW
// cycles), and the result is offered on the output. A pixel row starts as soon as the input
// rows it needs have arrived; the next image loads once the walk is done.
module tqc_pool #(
    parameter H = 1, W = 1, C = 1,
    parameter OH = 1, OW = 1,
    parameter KH = 1, KW = 1,
    parameter SH = 1, SW = 1,
    parameter PT = 0, PL = 0,
    parameter MAX = 0,
    parameter AW = 1,           // frame buffer address width (H*W*C words)
    parameter YW = 1, XCW = 1, ICW = 1, CW = 1, KYW = 1, KXW = 1, RW = 1,
    parameter CNW = 1,          // width of the tap count (0..KH*KW)
    parameter DVW = 1,          // width of the dividend |s| + n/2
    parameter XW = 8,
    parameter XSIGNED = 1,
    parameter OUTW = 32         // 32 (average) or XW (maximum)
) (
    input clk,
    input rst,
    input in_valid,
    output in_ready,
    input [XW-1:0] in_data,
    output out_valid,
    input out_ready,
    output [OUTW-1:0] out_data
);
    localparam integer LAST_ADDR_I = H * W * C - 1;
    localparam integer LAST_C_I = C - 1;
    localparam integer W_RUN_I = W - 1;
    localparam integer LAST_OY_I = OH - 1;
    localparam integer LAST_OX_I = OW - 1;
    localparam integer LAST_KY_I = KH - 1;
    localparam integer LAST_KX_I = KW - 1;
    localparam integer H_I = H;
    localparam [AW-1:0] LAST_ADDR = LAST_ADDR_I[AW-1:0];
    localparam [CW-1:0] LAST_C = LAST_C_I[CW-1:0];
    localparam [ICW-1:0] W_RUN = W_RUN_I[ICW-1:0];
    localparam [YW-1:0] LAST_OY = LAST_OY_I[YW-1:0];
    localparam [XCW-1:0] LAST_OX = LAST_OX_I[XCW-1:0];
    localparam [KYW-1:0] LAST_KY = LAST_KY_I[KYW-1:0];
    localparam [KXW-1:0] LAST_KX = LAST_KX_I[KXW-1:0];
    localparam [RW-1:0] ALL_ROWS = H_I[RW-1:0];
    localparam integer DVW_I = DVW;
    localparam [5:0] DVW6 = DVW_I[5:0];
    localparam [5:0] DVW6_LAST = DVW6 - 6'd1;
    localparam [1:0] S_ISSUE = 2'd0, S_DRAIN = 2'd1, S_DIV = 2'd2, S_OUT = 2'd3;

    // ---- load -------------------------------------------------------------------------
    reg full;
    reg [AW-1:0] wr_addr;
    reg [CW-1:0] wr_c;
    reg [ICW-1:0] wr_col;
    reg [RW-1:0] wr_rows;
    wire wr = in_valid && !full;
    assign in_ready = !full;
    reg [XW-1:0] mem [0:H*W*C-1];
    always @(posedge clk) if (wr) mem[wr_addr] <= in_data;

    // ---- walker -----------------------------------------------------------------------
    reg [1:0] state;
    reg walked;
    reg [YW-1:0] oy;
    reg [XCW-1:0] ox;
    reg [CW-1:0] ch;
    reg [KYW-1:0] ky;
    reg [KXW-1:0] kx;
    wire [31:0] oy32 = {{(32-YW){1'b0}}, oy};
    wire [31:0] ox32 = {{(32-XCW){1'b0}}, ox};
    wire [31:0] ky32 = {{(32-KYW){1'b0}}, ky};
    wire [31:0] kx32 = {{(32-KXW){1'b0}}, kx};
    wire [31:0] ch32 = {{(32-CW){1'b0}}, ch};
    wire [31:0] rows32 = {{(32-RW){1'b0}}, full ? ALL_ROWS : wr_rows};
    integer iy, ix, need;
    /* verilator lint_off UNUSEDSIGNAL */
    integer addr_i;
    /* verilator lint_on UNUSEDSIGNAL */
    reg in_image;
    always @(*) begin
        iy = oy32 * SH - PT + ky32;
        ix = ox32 * SW - PL + kx32;
        need = oy32 * SH - PT + KH - 1;
        if (need > H - 1) need = H - 1;
        in_image = iy >= 0 && iy < H && ix >= 0 && ix < W;
        addr_i = in_image ? (iy * W + ix) * C + ch32 : 0;
    end
    wire issue = state == S_ISSUE && !walked && $signed(rows32) > need;

    reg a_valid, a_first, a_in;
    reg [XW-1:0] xq;
    reg [31:0] sum;
    reg [CNW-1:0] cnt;
    reg [XW-1:0] best;
    wire [31:0] x32 = {{(32-XW){XSIGNED != 0 && xq[XW-1]}}, xq};
    wire better = XSIGNED != 0 ? $signed(xq) > $signed(best) : xq > best;

    // divider: |s| + n/2 over n
    wire [31:0] half = {{(32-CNW){1'b0}}, cnt >> 1};
    wire [31:0] num = $signed(sum) > 0 ? sum + half : sum - half;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] mag = num[31] ? -num : num;      // DVW bits suffice
    reg neg;
    reg [DVW-1:0] dvd, quo;
    reg [CNW-1:0] rem;
    reg [5:0] bitn;
    wire [CNW:0] rem_shift = {rem[CNW-1:0], dvd[DVW-1]};
    wire fits = rem_shift >= {1'b0, cnt};
    wire [CNW:0] rem_next = fits ? rem_shift - {1'b0, cnt} : rem_shift;  // < cnt
    /* verilator lint_on UNUSEDSIGNAL */
    reg [OUTW-1:0] result;
    wire [OUTW-1:0] best_out;
    generate
        if (OUTW == XW) begin : max_out
            assign best_out = best;
        end else begin : avg_out
            assign best_out = {OUTW{1'b0}};
        end
    endgenerate

    always @(posedge clk) begin
        if (rst) begin
            full <= 1'b0;
            wr_addr <= {AW{1'b0}};
            wr_c <= {CW{1'b0}};
            wr_col <= {ICW{1'b0}};
            wr_rows <= {RW{1'b0}};
            state <= S_ISSUE;
            walked <= 1'b0;
            oy <= {YW{1'b0}};
            ox <= {XCW{1'b0}};
            ch <= {CW{1'b0}};
            ky <= {KYW{1'b0}};
            kx <= {KXW{1'b0}};
            a_valid <= 1'b0;
        end else begin
            if (wr) begin
                wr_addr <= wr_addr == LAST_ADDR ? {AW{1'b0}} : wr_addr + 1'b1;
                if (wr_addr == LAST_ADDR) begin
                    full <= 1'b1;
                    wr_c <= {CW{1'b0}};
                    wr_col <= {ICW{1'b0}};
                    wr_rows <= {RW{1'b0}};
                end else if (wr_c == LAST_C) begin
                    wr_c <= {CW{1'b0}};
                    if (wr_col == W_RUN) begin
                        wr_col <= {ICW{1'b0}};
                        wr_rows <= wr_rows + 1'b1;
                    end else begin
                        wr_col <= wr_col + 1'b1;
                    end
                end else begin
                    wr_c <= wr_c + 1'b1;
                end
            end
            if (walked && full) begin
                walked <= 1'b0;
                full <= 1'b0;
            end
            a_valid <= issue;
            case (state)
                S_ISSUE: if (issue) begin
                    if (kx != LAST_KX) kx <= kx + 1'b1;
                    else begin
                        kx <= {KXW{1'b0}};
                        if (ky != LAST_KY) ky <= ky + 1'b1;
                        else begin
                            ky <= {KYW{1'b0}};
                            state <= S_DRAIN;
                        end
                    end
                end
                S_DRAIN: if (!a_valid) begin
                    if (MAX != 0) begin
                        result <= best_out;
                        state <= S_OUT;
                    end else begin
                        neg <= num[31];
                        dvd <= mag[DVW-1:0];
                        quo <= {DVW{1'b0}};
                        rem <= {CNW{1'b0}};
                        bitn <= 6'd0;
                        state <= S_DIV;
                    end
                end
                S_DIV: begin
                    dvd <= dvd << 1;
                    rem <= rem_next[CNW-1:0];
                    quo <= {quo[DVW-2:0], fits};
                    bitn <= bitn + 6'd1;
                    if (bitn == DVW6_LAST) state <= S_OUT;
                end
                default: begin
                    if (MAX == 0 && bitn == DVW6) begin   // the quotient's last bit just landed
                        result <= neg ? -{{(OUTW-DVW){1'b0}}, quo} : {{(OUTW-DVW){1'b0}}, quo};
                        bitn <= 6'd0;
                    end else if (out_ready && (MAX != 0 || bitn == 6'd0)) begin
                        state <= S_ISSUE;
                        if (ch != LAST_C) ch <= ch + 1'b1;
                        else begin
                            ch <= {CW{1'b0}};
                            if (ox != LAST_OX) ox <= ox + 1'b1;
                            else begin
                                ox <= {XCW{1'b0}};
                                if (oy != LAST_OY) oy <= oy + 1'b1;
                                else begin
                                    oy <= {YW{1'b0}};
                                    walked <= 1'b1;
                                end
                            end
                        end
                    end
                end
            endcase
        end
    end

    // tap pipeline: read, then accumulate
    always @(posedge clk) begin
        xq <= mem[addr_i[AW-1:0]];
        a_first <= ky == {KYW{1'b0}} && kx == {KXW{1'b0}};
        a_in <= in_image;
        if (a_valid) begin
            sum <= (a_first ? 32'd0 : sum) + (a_in ? x32 : 32'd0);
            cnt <= (a_first ? {CNW{1'b0}} : cnt) + {{(CNW-1){1'b0}}, a_in};
            if (a_first || (a_in && better))
                best <= a_in ? xq : (XSIGNED != 0 ? {1'b1, {(XW-1){1'b0}}} : {XW{1'b0}});
        end
    end

    assign out_valid = state == S_OUT && (MAX != 0 || bitn == 6'd0);
    assign out_data = result;
endmodule
