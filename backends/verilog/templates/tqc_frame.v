// tqc_frame: the input frame buffer of an engine (tqc_conv, tqc_pool), a ring of H + ER rows.
//
// Images stream in LI elements per beat (NHWC order, W pixels per row, C channels per pixel;
// lane i of a beat holds channel c0 + i, c0 a multiple of LI; LI divides NB and C) into NB
// banks: channel c goes to bank c % NB at word (pixel*CB + c / NB) of its image, so a beat
// writes LI banks at one word. The
// engine's walker reads one word of every bank per cycle (registered read, `rd_word` counted
// from its image's first word) and tells the buffer which input row it still needs (`low`) and
// when it has issued the last read of an image (`walk_end`).
//
// Images follow one another in the ring, so the next image loads while this one is walked: its
// row r overwrites this image's row r - ER once the walker is past it (r - ER < low). ER = 0
// costs no memory and overlaps all but the first rows; ER = H is a second frame (ping-pong).
// `rows` tells the walker how many rows of its image are in (0 while the loader still fills an
// image the walker is done with). `lead` counts how far the loader is ahead of the walker: 0
// the walker is done with an image the loader still fills (rows it never reads), 1 same image,
// 2 the loader fills the next image, 3 the next image is complete too.
module tqc_frame #(
    parameter H = 1, W = 1, C = 1,          // image
    parameter NB = 1,                       // banks
    parameter LI = 1,                       // elements per input beat
    parameter CB = 1,                       // words per pixel and bank: ceil(C / NB)
    parameter ER = 0,                       // extra rows (0..H)
    parameter AW = 1,                       // bank address width ((H+ER)*W*CB words)
    parameter BW = 1,                       // bank index width
    parameter CBW = 1,                      // channel block counter width
    parameter ICW = 1,                      // input column counter width
    parameter RW = 1,                       // row counter width (0..H)
    parameter XW = 8                        // element width
) (
    input clk,
    input rst,
    input in_valid,
    output in_ready,
    input [LI*XW-1:0] in_data,
    input [RW-1:0] low,                     // the first input row the walker still reads
    input walk_end,                         // the walker's last read of its image
    output [RW-1:0] rows,                   // complete rows of the walker's image
    input rd_en,
    input [AW-1:0] rd_word,                 // word within the walker's image
    output [NB*XW-1:0] q                    // registered: one word per bank
);
    localparam integer DEPTH_I = (H + ER) * W * CB;   // words per bank
    localparam integer IMAGE_I = H * W * CB;          // words per image and bank
    localparam integer LAST_WORD_I = DEPTH_I - 1;
    localparam integer LAST_BANK_I = (C - LI) % NB;     // first bank of a pixel's last beat
    localparam integer LAST_CB_I = CB - 1;
    localparam integer W_RUN_I = W - 1;
    localparam integer NB_MAX_I = NB - LI;              // first bank of a word's last beat
    localparam integer LI_I = LI;
    localparam integer LAST_ROW_I = H - 1;
    localparam integer H_I = H;
    localparam integer ER_I = ER;
    localparam [AW-1:0] LAST_WORD = LAST_WORD_I[AW-1:0];
    localparam [AW:0] DEPTH = DEPTH_I[AW:0];
    localparam [AW:0] IMAGE = IMAGE_I[AW:0];
    localparam [BW-1:0] LAST_BANK = LAST_BANK_I[BW-1:0];
    localparam [BW-1:0] NB_MAX = NB_MAX_I[BW-1:0];
    localparam [BW:0] STEP = LI_I[BW:0];
    localparam [CBW-1:0] LAST_CB = LAST_CB_I[CBW-1:0];
    localparam [ICW-1:0] W_RUN = W_RUN_I[ICW-1:0];
    localparam [RW-1:0] LAST_ROW = LAST_ROW_I[RW-1:0];
    localparam [RW-1:0] ALL_ROWS = H_I[RW-1:0];
    localparam [RW:0] EXTRA = ER_I[RW:0];

    reg [1:0] lead;
    reg [AW-1:0] wr_addr;       // ring word
    reg [CBW-1:0] wr_cb;
    reg [BW-1:0] wr_bank;
    reg [ICW-1:0] wr_col;       // column within the input row (0..W-1)
    reg [RW-1:0] wr_rows;       // complete rows of the image being loaded
    reg [AW-1:0] rbase;         // ring word of the walker's image
    wire ring_ok = {1'b0, wr_rows} < {1'b0, low} + EXTRA;
    wire wr_open = !lead[1] || (lead == 2'd2 && ring_ok);
    wire wr = in_valid && wr_open;
    wire wr_pixel_end = wr_bank == LAST_BANK && wr_cb == LAST_CB;
    wire wr_last = wr && wr_pixel_end && wr_col == W_RUN && wr_rows == LAST_ROW;
    wire [AW-1:0] wr_next = wr_addr == LAST_WORD ? {AW{1'b0}} : wr_addr + 1'b1;
    assign in_ready = wr_open;
    assign rows = lead[1] ? ALL_ROWS : lead[0] ? wr_rows : {RW{1'b0}};

    wire [AW-1:0] base = ER == 0 ? {AW{1'b0}} : rbase;
    wire [AW:0] rd_sum = {1'b0, base} + {1'b0, rd_word};
    wire [AW:0] next_base = {1'b0, rbase} + IMAGE;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [AW:0] rd_ring = rd_sum >= DEPTH ? rd_sum - DEPTH : rd_sum;                // < DEPTH
    wire [AW:0] base_ring = next_base >= DEPTH ? next_base - DEPTH : next_base;     // < DEPTH
    /* verilator lint_on UNUSEDSIGNAL */

    always @(posedge clk) begin
        if (rst) begin
            lead <= 2'd1;
            wr_addr <= {AW{1'b0}};
            wr_cb <= {CBW{1'b0}};
            wr_bank <= {BW{1'b0}};
            wr_col <= {ICW{1'b0}};
            wr_rows <= {RW{1'b0}};
            rbase <= {AW{1'b0}};
        end else begin
            if (wr) begin
                if (wr_pixel_end) begin
                    wr_addr <= wr_next;
                    wr_cb <= {CBW{1'b0}};
                    wr_bank <= {BW{1'b0}};
                    if (wr_col == W_RUN) begin
                        wr_col <= {ICW{1'b0}};
                        wr_rows <= wr_last ? {RW{1'b0}} : wr_rows + 1'b1;
                    end else begin
                        wr_col <= wr_col + 1'b1;
                    end
                end else if (wr_bank == NB_MAX) begin
                    wr_bank <= {BW{1'b0}};
                    wr_cb <= wr_cb + 1'b1;
                    wr_addr <= wr_next;
                end else begin
                    wr_bank <= wr_bank + STEP[BW-1:0];
                end
            end
            if (wr_last && !walk_end) lead <= lead + 2'd1;
            else if (walk_end && !wr_last) lead <= lead - 2'd1;
            if (walk_end) rbase <= base_ring[AW-1:0];
        end
    end

    genvar j;
    generate
        for (j = 0; j < NB; j = j + 1) begin : bank
            localparam integer FIRST_I = j / LI * LI;    // first bank of j's beat
            localparam [BW-1:0] FIRST = FIRST_I[BW-1:0];
            localparam integer LANE = j % LI;
            reg [XW-1:0] mem [0:DEPTH_I-1];
            reg [XW-1:0] rq;
            always @(posedge clk) begin
                if (wr && wr_bank == FIRST) mem[wr_addr] <= in_data[LANE*XW +: XW];
                if (rd_en) rq <= mem[rd_ring[AW-1:0]];
            end
            assign q[j*XW +: XW] = rq;
        end
    endgenerate
endmodule
